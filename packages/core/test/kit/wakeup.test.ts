import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../src/driver/index.js';

function listeners(signal: AbortSignal): { count: () => number } {
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    count++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    count--;
    remove(...args);
  }) as typeof remove;
  return { count: () => count };
}

describe('Wakeup', () => {
  it('wakes every waiter at notify, and leaves no listener on the signal', async () => {
    const wakeup = new Wakeup();
    const controller = new AbortController();
    const watched = listeners(controller.signal);
    const woken: number[] = [];
    const first = wakeup.wait(controller.signal).then(() => woken.push(1));
    const second = wakeup.wait(controller.signal).then(() => woken.push(2));
    await Promise.resolve();
    expect(woken).toEqual([]);
    wakeup.notify();
    await Promise.all([first, second]);
    expect(woken).toEqual([1, 2]);
    expect(watched.count()).toBe(0);
  });

  it('ends a wait when the signal aborts, and resolves at once on an aborted signal', async () => {
    const wakeup = new Wakeup();
    const controller = new AbortController();
    const waiting = wakeup.wait(controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    await expect(wakeup.wait(controller.signal)).resolves.toBeUndefined();
  });

  it('does not remember a notify made while nobody waited', async () => {
    const wakeup = new Wakeup();
    wakeup.notify();
    let woken = false;
    const controller = new AbortController();
    const waiting = wakeup.wait(controller.signal).then(() => {
      woken = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);
    controller.abort();
    await waiting;
  });
});
