import { performance } from 'node:perf_hooks';
import { type BatchItem, type Broker, STATS_FIELDS } from '@polyqueue/core';
import { deferred, LatencySamples, nowNs, RssTrace, secondsSince } from './measure.js';

/**
 * The polyqueue side of every suite. It uses only the portable API, so each adapter's suite runs
 * these same cases on its own broker and adds just its raw-client baseline.
 */

/**
 * A small JSON job, about 55 bytes serialized: the size of a typical "send this email" job.
 * Only jobs whose latency is sampled carry `t`: formatting and parsing a double costs more than
 * the rest of the payload, and the throughput figures should not be about that.
 */
export interface Payload {
  readonly n: number;
  readonly to: string;
  readonly template: string;
  /** performance.now() at send, on sampled jobs: send-to-handler latency. */
  readonly t?: number;
}

/**
 * Two literals, not `{ ...job, t }`: on Node 20, objects built by that spread survived the young
 * collector (about 0.8 MB per collection at 50,000 jobs/s, against 7 kB for a literal; measured
 * with --trace-gc-nvp on the pacer alone), so the harness itself set the length of every GC pause
 * that the paced latency rows measure, for polyqueue and the raw client alike.
 */
export function payload(n: number, stamped = false): Payload {
  const to = `user-${n % 1000}@example.com`;
  return stamped ? { n, to, template: 'welcome', t: performance.now() } : { n, to, template: 'welcome' };
}

/** The no-op handler every case runs, polyqueue and raw alike. */
export const noop = async (_payload: Payload): Promise<void> => {};

/** `stampEvery`: stamp every Nth job with its send time (0: none). */
export function batch(from: number, count: number, stampEvery = 0): BatchItem<Payload>[] {
  const items: BatchItem<Payload>[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = from + i;
    items[i] = { payload: payload(n, stampEvery > 0 && n % stampEvery === 0) };
  }
  return items;
}

/** Sends `jobs` jobs with sendBatch, `batchSize` per call, one call at a time. Returns seconds. */
export async function sendBatches(
  broker: Broker,
  name: string,
  jobs: number,
  batchSize: number,
): Promise<number> {
  const queue = broker.queue<Payload>(name);
  await queue.provision();
  const start = nowNs();
  for (let sent = 0; sent < jobs; sent += batchSize) {
    const results = await queue.sendBatch(batch(sent, Math.min(batchSize, jobs - sent)));
    if (!results.every((r) => r.ok)) throw new Error('bench: a send failed');
  }
  return secondsSince(start);
}

/** Sends `jobs` jobs with `send`, awaiting each: the plain "enqueue from a request handler" path. */
export async function sendOneByOne(broker: Broker, name: string, jobs: number): Promise<number> {
  const queue = broker.queue<Payload>(name);
  await queue.provision();
  const start = nowNs();
  for (let n = 0; n < jobs; n++) await queue.send(payload(n));
  return secondsSince(start);
}

/**
 * Processes a queue that already holds `jobs` jobs, with a no-op handler. Returns the seconds from
 * the worker's start to the last handler's start, and an RSS trace sampled every tenth of the run.
 */
export async function processPrefilled(
  broker: Broker,
  name: string,
  jobs: number,
  concurrency: number,
): Promise<{ seconds: number; rss: RssTrace }> {
  const queue = broker.queue<Payload>(name);
  const rss = new RssTrace();
  const every = Math.max(1, Math.floor(jobs / 10));
  const done = deferred();
  let handled = 0;
  rss.sample(0);
  const start = nowNs();
  const worker = queue.process(
    (job) => {
      if (++handled % every === 0) rss.sample(handled);
      if (handled === jobs) done.resolve();
      return noop(job.payload);
    },
    { concurrency },
  );
  await done.promise;
  const seconds = secondsSince(start);
  await worker.close();
  await assertEmpty(broker, name);
  return { seconds, rss };
}

export interface StreamResult {
  readonly seconds: number;
  readonly latency: LatencySamples;
  readonly rss: RssTrace;
}

/**
 * Sends and processes `jobs` jobs at once, the producer keeping at most `backlog` jobs unhandled:
 * the shape of a long-lived service, with memory bounded by the backlog rather than by the run.
 * Latency is sampled every 100th job; RSS every tenth of the run (`gcSamples`: right after a
 * forced full GC, which pauses the run: use such a run for memory, not for its timings).
 */
export async function stream(
  broker: Broker,
  name: string,
  options: { jobs: number; concurrency: number; batchSize: number; backlog: number; gcSamples?: boolean },
): Promise<StreamResult> {
  const { jobs, concurrency, batchSize, backlog } = options;
  const queue = broker.queue<Payload>(name);
  await queue.provision();
  const latency = new LatencySamples(Math.ceil(jobs / 100) + 1);
  const rss = new RssTrace({ afterGc: options.gcSamples ?? false });
  const every = Math.max(1, Math.floor(jobs / 10));
  const done = deferred();
  let room: ReturnType<typeof deferred> | undefined;
  let sent = 0;
  let handled = 0;
  rss.sample(0);
  const start = nowNs();
  const worker = queue.process(
    (job) => {
      const p = job.payload;
      if (p.t !== undefined) latency.add(performance.now() - p.t);
      if (++handled % every === 0) rss.sample(handled);
      if (room !== undefined && sent - handled <= backlog - batchSize) {
        room.resolve();
        room = undefined;
      }
      if (handled === jobs) done.resolve();
      return noop(p);
    },
    { concurrency },
  );
  while (sent < jobs) {
    if (sent - handled > backlog - batchSize) {
      room = deferred();
      await room.promise;
    }
    const count = Math.min(batchSize, jobs - sent);
    const items = batch(sent, count, 100);
    sent += count; // before the await: handlers run while the batch is in flight
    await queue.sendBatch(items);
  }
  await done.promise;
  const seconds = secondsSince(start);
  await worker.close();
  await assertEmpty(broker, name);
  return { seconds, latency, rss };
}

/** Fills a queue without timing it, for the pre-filled cases. */
export async function fill(broker: Broker, name: string, jobs: number, batchSize: number): Promise<void> {
  await sendBatches(broker, name, jobs, batchSize);
}

/**
 * Guards the figures: a case that lost or kept jobs would be measuring the wrong thing. Polls for
 * a few seconds first, because some brokers apply acks asynchronously (a NATS ack is a
 * fire-and-forget publish), so counts can lag the handlers by a few hundred milliseconds.
 */
async function assertEmpty(broker: Broker, name: string): Promise<void> {
  const deadline = Date.now() + SETTLE_GRACE_MS;
  for (;;) {
    const stats = await broker.queue(name).stats();
    // A count the broker cannot tell is undefined: it guards nothing, the others still do.
    if (STATS_FIELDS.every((field) => (stats[field] ?? 0) === 0)) return;
    if (Date.now() >= deadline) throw new Error(`bench: ${name} not drained: ${JSON.stringify(stats)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const SETTLE_GRACE_MS = 5_000;
