import type { Queue, Worker } from '@polyqueue/core';

/** Resolves once `condition()` holds; rejects naming `what` after `timeoutMs` (every wait is bounded). */
export async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A worker that records the id and payload of every job it handles. */
export function recorder<T>(
  queue: Queue<T>,
  concurrency = 1,
): { handled: Map<string, T>; worker: Worker<T> } {
  const handled = new Map<string, T>();
  const worker = queue.process(
    async (job) => {
      if (handled.has(job.id)) throw new Error(`job ${job.id} handled twice`);
      handled.set(job.id, job.payload);
    },
    { concurrency },
  );
  return { handled, worker };
}

/**
 * Proves that nothing sent before `marker` is still to come: jobs are fetched in (run_at, seq)
 * order, so once a job committed after them is handled, a job that committed earlier would have
 * been handled too. This turns "never handled" into an event to wait for, not a sleep.
 */
export async function drainedUpTo(
  handled: ReadonlyMap<string, unknown>,
  send: () => Promise<string>,
): Promise<void> {
  const marker = await send();
  await until(`marker job ${marker}`, () => handled.has(marker));
}
