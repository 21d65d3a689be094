import { describe, expect, it } from 'vitest';
import { closeOnSignals } from '../src/index.js';

describe('closeOnSignals', () => {
  it('closes everything gracefully on the first signal, with the timeout, then removes itself', async () => {
    const calls: unknown[] = [];
    const closable = { close: async (options?: object) => void calls.push(options) };
    const closed = new Promise<unknown>((resolve) => {
      closeOnSignals([closable, closable], { signals: ['SIGUSR2'], timeoutMs: 1_234, onClosed: resolve });
    });
    const before = process.listenerCount('SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(await closed).toBeUndefined();
    expect(calls).toEqual([{ timeoutMs: 1_234 }, { timeoutMs: 1_234 }]);
    expect(process.listenerCount('SIGUSR2')).toBe(before - 1);
  });

  it('reports a failed close to onClosed', async () => {
    const failure = new Error('close failed');
    const result = await new Promise<unknown>((resolve) => {
      closeOnSignals([{ close: () => Promise.reject(failure) }], { signals: ['SIGUSR2'], onClosed: resolve });
      process.emit('SIGUSR2', 'SIGUSR2');
    });
    expect(result).toBe(failure);
  });
});
