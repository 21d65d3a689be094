import { performance } from 'node:perf_hooks';
import { deferred, LatencySamples, nowNs, secondsSince } from './measure.js';
import { type Payload, payload } from './workload.js';

/** A consumer under test: calls `onJob` once per message handled, until closed. */
export interface Consumer {
  close(): Promise<void>;
}

/** One side of a broker suite's streaming case: polyqueue, or the broker's raw client. */
export interface StreamingCase {
  /** Publishes one batch and resolves once the broker accepted (confirmed) all of it. */
  send(batch: readonly Payload[]): Promise<void>;
  /** Starts consuming; `onJob` runs as the (no-op) handler of each message. */
  consume(onJob: (job: Payload) => void): Consumer;
}

/**
 * Sends and processes `jobs` jobs at once, the producer keeping at most `backlog` jobs unhandled,
 * exactly as the memory suite's streaming case does, for polyqueue and for the raw client alike.
 * Shared by the broker suites, so that every adapter's end-to-end figure means the same thing.
 * Returns the seconds from the first send to the last job handled, and send-to-handler latency of
 * every 100th job.
 */
export async function endToEnd(
  subject: StreamingCase,
  options: { jobs: number; batchSize: number; backlog: number },
): Promise<{ seconds: number; latency: LatencySamples }> {
  const { jobs, batchSize, backlog } = options;
  const latency = new LatencySamples(Math.ceil(jobs / 100) + 1);
  const done = deferred();
  let room: ReturnType<typeof deferred> | undefined;
  let sent = 0;
  let handled = 0;
  const start = nowNs();
  const consumer = subject.consume((job) => {
    if (job.t !== undefined) latency.add(performance.now() - job.t);
    handled++;
    if (room !== undefined && sent - handled <= backlog - batchSize) {
      room.resolve();
      room = undefined;
    }
    if (handled === jobs) done.resolve();
  });
  while (sent < jobs) {
    if (sent - handled > backlog - batchSize) {
      room = deferred();
      await room.promise;
    }
    const count = Math.min(batchSize, jobs - sent);
    const items: Payload[] = [];
    for (let i = 0; i < count; i++) items.push(payload(sent + i, (sent + i) % 100 === 0));
    sent += count;
    await subject.send(items);
  }
  await done.promise;
  const seconds = secondsSince(start);
  await consumer.close();
  if (handled !== jobs) throw new Error(`bench: handled ${handled} of ${jobs} jobs (duplicates?)`);
  return { seconds, latency };
}
