import { type BatchItem, isRetryable, type Queue } from '@polyqueue/core';
import { expect } from 'vitest';

/**
 * What an application does while its broker fails over: send a batch, keep the ids confirmed,
 * send again (after 200 ms) what failed retryably, and fail on anything else. Every confirmed id
 * goes into `confirmed`; resolves with how many sends had to be retried. Fails the test once
 * `deadlineAt` (epoch ms) has passed with items still unconfirmed.
 */
export async function sendUntilConfirmed<T, I>(
  queue: Queue<T, I>,
  items: readonly BatchItem<I>[],
  confirmed: Set<string>,
  deadlineAt: number,
): Promise<number> {
  let retried = 0;
  let pending = items;
  while (pending.length > 0) {
    expect(Date.now(), 'sending took too long').toBeLessThan(deadlineAt);
    const results = await queue.sendBatch(pending).catch((error: unknown) => {
      if (!isRetryable(error)) throw error;
      return pending.map(() => ({ ok: false as const, error: error as Error }));
    });
    const again: BatchItem<I>[] = [];
    results.forEach((result, i) => {
      if (result.ok) confirmed.add(result.id);
      else if (isRetryable(result.error)) again.push(pending[i]!);
      else throw result.error;
    });
    if (again.length > 0) {
      retried += again.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    pending = again;
  }
  return retried;
}
