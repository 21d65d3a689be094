import { describe, expect, it } from 'vitest';
import { untilAborted } from '../../src/driver/index.js';

function counted(signal: AbortSignal): { count: () => number } {
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

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('untilAborted', () => {
  it("gives the promise's value when it settles first, and leaves no listener", async () => {
    const controller = new AbortController();
    const listeners = counted(controller.signal);
    const work = deferred<number>();
    const result = untilAborted(work.promise, controller.signal);
    work.resolve(7);
    await expect(result).resolves.toBe(7);
    expect(listeners.count()).toBe(0);
  });

  it('gives undefined as soon as the signal aborts, while the promise still runs, and leaves no listener', async () => {
    const controller = new AbortController();
    const listeners = counted(controller.signal);
    const work = deferred<number>();
    const result = untilAborted(work.promise, controller.signal);
    controller.abort();
    await expect(result).resolves.toBeUndefined();
    expect(listeners.count()).toBe(0);
    work.resolve(1);
  });

  it('gives undefined at once on an aborted signal without listening', async () => {
    const controller = new AbortController();
    controller.abort();
    const listeners = counted(controller.signal);
    await expect(
      untilAborted(new Promise<never>(() => undefined), controller.signal),
    ).resolves.toBeUndefined();
    expect(listeners.count()).toBe(0);
  });

  it('rejects with the promise error when it fails before the abort, and leaves no listener', async () => {
    const controller = new AbortController();
    const listeners = counted(controller.signal);
    const failure = new Error('boom');
    await expect(untilAborted(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
    expect(listeners.count()).toBe(0);
  });
});
