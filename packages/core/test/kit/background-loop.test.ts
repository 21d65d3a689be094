import { describe, expect, it } from 'vitest';
import {
  type BackgroundError,
  BackgroundErrors,
  BackgroundLoop,
  ErrorBackoff,
  pause,
  sleep,
} from '../../src/driver/index.js';
import { VirtualClock } from '../../src/index.js';

function sink() {
  const reports: BackgroundError[] = [];
  const errors = new BackgroundErrors();
  errors.attach((report) => reports.push(report));
  return { errors, reports };
}

describe('BackgroundLoop', () => {
  it('runs the step again after a busy round, and pauses idleMs after an idle one', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const rounds: number[] = [];
    const loop = new BackgroundLoop({
      clock,
      ...sink(),
      action: 'copy-exhausted',
      idleMs: 1_000,
      step: async () => {
        rounds.push(clock.now() - start);
        return rounds.length <= 2 ? 'busy' : 'idle';
      },
    });
    loop.start();
    loop.start(); // idempotent: one loop
    await clock.advance(2_500);
    await loop.stop();
    expect(rounds).toEqual([0, 0, 0, 1_000, 2_000]);
  });

  it('reports a failed round with action and queue, backs off, and resets after a success', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const { errors, reports } = sink();
    const rounds: number[] = [];
    const failAt = new Set([0, 1, 2, 4]);
    const loop = new BackgroundLoop({
      clock,
      errors,
      action: 'copy-exhausted',
      queue: 'emails',
      idleMs: 10_000,
      step: async () => {
        const round = rounds.push(clock.now() - start) - 1;
        if (failAt.has(round)) throw new Error(`round ${round}`);
        return 'idle';
      },
    });
    loop.start();
    await clock.advance(30_000);
    await loop.stop();
    // Fails at 0, 250, 750; succeeds at 1750 (idle 10 s); fails at 11750, waits 250 (reset), ...
    expect(rounds.slice(0, 6)).toEqual([0, 250, 750, 1_750, 11_750, 12_000]);
    expect(reports.map((r) => [r.action, r.queue, (r.error as Error).message])).toEqual([
      ['copy-exhausted', 'emails', 'round 0'],
      ['copy-exhausted', 'emails', 'round 1'],
      ['copy-exhausted', 'emails', 'round 2'],
      ['copy-exhausted', 'emails', 'round 4'],
    ]);
  });

  it('stop aborts the step’s signal, waits for the step, and never rejects', async () => {
    const clock = new VirtualClock();
    let seen: AbortSignal | undefined;
    let returned = false;
    const loop = new BackgroundLoop({
      clock,
      ...sink(),
      action: 'forward-pull',
      step: async (signal) => {
        seen = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        returned = true;
        throw new Error('aborted long poll'); // a stop, not a fault: not reported
      },
    });
    loop.start();
    await clock.advance(0);
    await expect(loop.stop()).resolves.toBeUndefined();
    expect(seen?.aborted).toBe(true);
    expect(returned).toBe(true);
  });

  it('does not start after stop', async () => {
    const clock = new VirtualClock();
    let rounds = 0;
    const step = async (): Promise<'idle'> => {
      rounds++;
      return 'idle';
    };
    const loop = new BackgroundLoop({ clock, ...sink(), action: 'x', step });
    await loop.stop();
    loop.start();
    await clock.advance(1_000);
    expect(rounds).toBe(0);
  });
});

describe('ErrorBackoff', () => {
  it('waits 250 ms first, doubling to at most 8 s, and starts over after reset', async () => {
    const backoff = new ErrorBackoff(new VirtualClock());
    const steps: number[] = [];
    for (let i = 0; i < 8; i++) {
      steps.push(backoff.nextMs);
      await backoff.wait(AbortSignal.abort());
    }
    expect(steps).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    backoff.reset();
    expect(backoff.nextMs).toBe(250);
    expect(new ErrorBackoff(new VirtualClock(), { firstMs: 10, maxMs: 15 }).nextMs).toBe(10);
  });

  it('waits on the clock, and resolves at once when aborted', async () => {
    const clock = new VirtualClock();
    const backoff = new ErrorBackoff(clock);
    let done = false;
    const controller = new AbortController();
    const waiting = backoff.wait(controller.signal).then(() => {
      done = true;
    });
    await clock.advance(249);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    const second = backoff.wait(controller.signal);
    controller.abort();
    await second;
    await waiting;
  });
});

describe('sleep and pause', () => {
  it('sleep resolves after ms on the clock, rejects with the reason on abort, and leaves no listener', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: never, options?: never) => {
      added.push(listener);
      add(type, listener, options);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: never) => {
      removed.push(listener);
      remove(type, listener);
    }) as typeof signal.removeEventListener;
    let slept = false;
    const sleeping = sleep(clock, 100, signal).then(() => {
      slept = true;
    });
    await clock.advance(99);
    expect(slept).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(removed).toEqual(added); // the fired sleep took its listener away
    const reason = new Error('closing');
    const aborted = sleep(clock, 100, signal);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await expect(sleep(clock, 100, signal)).rejects.toBe(reason);
  });

  it('pause resolves (does not reject) on abort, and resolves at once on an aborted signal', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const pausing = pause(clock, 60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pausing).resolves.toBeUndefined();
    await expect(pause(clock, 60_000, controller.signal)).resolves.toBeUndefined();
  });
});
