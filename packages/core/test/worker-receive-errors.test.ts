import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { Driver } from '../src/driver/index.js';
import { type Broker, connect, MemoryServer, sleep, VirtualClock } from '../src/index.js';

let broker: Broker | undefined;
afterEach(() => broker?.close());

/** A memory driver whose receivers always fail, and which shows the signal each receive got. */
function failingReceiveDriver(clock: VirtualClock) {
  const inner = new MemoryServer({ clock }).connect();
  const signals: AbortSignal[] = [];
  let failures = 0;
  const driver: Driver = {
    name: 'failing',
    capabilities: inner.capabilities,
    clock,
    provision: (queue) => inner.provision(queue),
    send: (queue, messages) => inner.send(queue, messages),
    receiver: () => ({
      receive: async (_max, signal) => {
        signals.push(signal);
        failures++;
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      },
      close: async () => {},
    }),
    deadLetters: (queue) => inner.deadLetters(queue),
    stats: (queue) => inner.stats(queue),
    errorCode: (error) => inner.errorCode(error),
    native: () => inner.native(),
    close: (mode) => inner.close(mode),
  };
  return { driver, signals, failures: () => failures };
}

describe('worker receive loop: failed receives', () => {
  it('keeps at most one abort listener however many receives fail (no MaxListenersExceededWarning)', async () => {
    const clock = new VirtualClock();
    const { driver, signals, failures } = failingReceiveDriver(clock);
    broker = await connect({ driver });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const worker = broker.queue('q').process(() => {});
      const errors: Error[] = [];
      worker.on('error', (error) => errors.push(error));
      while (failures() < 65) await clock.advance(5_000);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      const signal = signals.at(-1)!;
      expect(errors.length).toBeGreaterThanOrEqual(65);
      expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      await worker.close();
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('sleep: the one abortable sleep', () => {
  it('leaves no abort listener behind, whether it times out or is aborted', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) {
      const slept = sleep(clock, 100, controller.signal);
      await clock.advance(100);
      await slept;
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const pending = sleep(clock, 100, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
