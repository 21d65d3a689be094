import { type Broker, connect, MemoryServer } from '@polyqueue/core';
import {
  collectGarbage,
  liveHeapMiB,
  type MemorySample,
  medianSeconds,
  type RssTrace,
  rssMiB,
} from '../measure.js';
import { alternatedPaced, pacedRate, pacedRows, polyqueueCase } from '../paced.js';
import { rawMemoryCase, rawProcess, rawSend } from '../raw-memory.js';
import type { Row, Target } from '../report.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { fill, processPrefilled, sendBatches, sendOneByOne, stream } from '../workload.js';

const POLYQUEUE = 'polyqueue';
const RAW = 'raw driver';

const SEND_TARGET: Target = { op: '>=', value: 1_000_000 };
const PROCESS_TARGET: Target = { op: '>=', value: 300_000 };
const FLAT_TARGET: Target = { op: '==', value: true };
const PACED_P99_TARGET: Target = { op: '<=', value: 1 };

/** The producer keeps at most this many batches unhandled in the streaming run. */
const STREAM_BACKLOG_BATCHES = 5;

interface RssSummary {
  readonly start: number;
  readonly peak: number;
  readonly end: number;
  readonly samples: RssTrace['samples'];
}

type Add = (
  metric: string,
  subject: string,
  value: number | boolean,
  unit: string,
  extra?: Partial<Row>,
) => void;

/** A fresh server per case: no case inherits another's queues, timers or garbage. */
async function withBroker<R>(body: (broker: Broker, server: MemoryServer) => Promise<R>): Promise<R> {
  collectGarbage();
  const server = new MemoryServer();
  const broker = await connect({ driver: server.connect() });
  try {
    return await body(broker, server);
  } finally {
    await broker.close();
  }
}

const count = (n: number) => n.toLocaleString('en-US');
const perJobMicros = (slowSeconds: number, fastSeconds: number, jobs: number) =>
  ((slowSeconds - fastSeconds) / jobs) * 1e6;

/** Runs every code path once, small, so V8 has optimized both sides before anything is timed. */
async function warmUp(o: SuiteOptions): Promise<void> {
  const n = Math.min(50_000, o.jobs);
  await withBroker((b) => sendBatches(b, 'warm', n, o.batchSize));
  await withBroker((b) => sendOneByOne(b, 'warm', n / 5));
  await withBroker((_, s) => rawSend(s, 'warm', n, o.batchSize));
  await withBroker(async (b) => {
    await fill(b, 'warm', n, o.batchSize);
    return processPrefilled(b, 'warm', n, o.concurrency);
  });
  await withBroker(async (b, s) => {
    await fill(b, 'warm', n, o.batchSize);
    return rawProcess(s, 'warm', n, o.concurrency);
  });
  await withBroker((b) =>
    stream(b, 'warm', { ...o, jobs: n, backlog: o.batchSize * STREAM_BACKLOG_BATCHES }),
  );
}

function addRss(add: Add, label: string, trace: RssSummary, note: string) {
  add(`${label}: RSS start`, POLYQUEUE, trace.start, 'MiB', { note, series: trace.samples });
  add(`${label}: RSS peak`, POLYQUEUE, trace.peak, 'MiB');
  add(`${label}: RSS end`, POLYQUEUE, trace.end, 'MiB');
}

/** Send and process at once over `rssJobs` jobs: throughput, latency under load, RSS trace. */
async function streaming(o: SuiteOptions, add: Add): Promise<number> {
  o.log(`memory: streaming ${count(o.rssJobs)} jobs (send and process at once)`);
  const backlog = o.batchSize * STREAM_BACKLOG_BATCHES;
  let heap = { before: 0, after: 0 };
  const run = await withBroker(async (b) => {
    const before = liveHeapMiB();
    const result = await stream(b, 'stream', { ...o, jobs: o.rssJobs, backlog });
    heap = { before, after: liveHeapMiB() };
    return result;
  });
  const note = `${count(o.rssJobs)} jobs, backlog <= ${count(backlog)}`;
  add(`end to end, streaming, c=${o.concurrency}`, POLYQUEUE, o.rssJobs / run.seconds, 'jobs/s', {
    note: `${note}; producer and worker share one event loop`,
  });
  add('latency p50, streaming', POLYQUEUE, run.latency.percentile(50), 'ms', {
    note: 'send to handler start, every 100th job; mostly time queued behind the backlog',
  });
  add('latency p99, streaming', POLYQUEUE, run.latency.percentile(99), 'ms');
  addRss(
    add,
    'streaming',
    run.rss,
    `${note}; sampled as is, so each figure depends on when V8 last collected`,
  );
  add('streaming: RSS late growth, as is', POLYQUEUE, run.rss.lateGrowthMiB(), 'MiB', {
    note: "second half's peak minus the first half's, no forced GC: moves with GC timing",
  });
  add('streaming: live heap growth', POLYQUEUE, heap.after - heap.before, 'MiB', {
    note: `after a full GC, end minus start (${heap.before.toFixed(1)} MiB at start)`,
  });
  await retention(o, add, backlog);
  return o.rssJobs / run.seconds;
}

/** Retained memory may grow this much in the second half: a leak of 4 bytes a job over 500,000. */
const RETAINED_LIMIT_MIB = 2;

/**
 * The flat verdict, from a second streaming run whose every sample comes right after a forced
 * full GC. Sampled as is, RSS rose 55 MiB in one run's second half with the live heap unchanged:
 * the sample had landed before a major GC. After a forced GC that timing is gone, and retention
 * (live heap plus array buffers, where Node's Buffer pool keeps message bodies) is measured apart
 * from what the allocator keeps mapped. Array buffers are compared by their floor: see
 * RssTrace.floorGrowthMiB (they lag a forced GC by up to ~8 MiB here).
 */
async function retention(o: SuiteOptions, add: Add, backlog: number): Promise<void> {
  o.log(`memory: streaming ${count(o.rssJobs)} jobs again, a full GC before each memory sample`);
  const run = await withBroker((b) =>
    stream(b, 'retain', { ...o, jobs: o.rssJobs, backlog, gcSamples: true }),
  );
  const trace = run.rss;
  const retained = (s: MemorySample) => (s.heapMiB ?? 0) + (s.arrayBuffersMiB ?? 0);
  const rssGrowth = trace.lateGrowthMiB();
  const rssLimit = trace.rssLimitMiB();
  const retainedGrowth = trace.floorGrowthMiB(retained);
  const flat = rssGrowth < rssLimit && retainedGrowth < RETAINED_LIMIT_MIB;
  add('streaming: RSS flat', POLYQUEUE, flat, '', {
    target: FLAT_TARGET,
    note:
      `after a forced GC every ${count(o.rssJobs / 10)} jobs (a second run): RSS second half ` +
      `${rssGrowth.toFixed(1)} MiB over the first's peak (limit ${rssLimit.toFixed(0)}), live heap + array buffers ` +
      `${retainedGrowth.toFixed(2)} MiB over the first's floor (limit ${RETAINED_LIMIT_MIB})`,
    series: trace.samples,
  });
  const first = trace.samples[0];
  const last = trace.samples.at(-1);
  add('streaming: retained after GC, end', POLYQUEUE, last ? retained(last) : Number.NaN, 'MiB', {
    note: `live heap + array buffers; ${first ? retained(first).toFixed(1) : '?'} MiB at start`,
  });
  add('streaming: RSS after GC, peak', POLYQUEUE, trace.peak, 'MiB', {
    note: `start ${trace.start.toFixed(0)}, end ${trace.end.toFixed(0)} MiB`,
  });
}

/**
 * Latency below saturation, polyqueue against the raw driver with the same pacer (paced.ts). The
 * rate is the configured one, capped at a quarter of the streaming run's throughput measured just
 * before: on a busy or slow machine a fixed rate can be past saturation, and then the figure
 * would be a backlog, not a latency.
 */
async function pacedLatency(o: SuiteOptions, add: Add, streamingRate: number): Promise<Row[]> {
  const perSecond = pacedRate(o.pacedRate, streamingRate, 1_000);
  o.log(`memory: paced latency, ${count(perSecond)} jobs/s for ${o.pacedSeconds} s, ${o.repeats}x each`);
  const pacing = { perSecond, seconds: o.pacedSeconds };
  const brokers: Broker[] = [];
  try {
    const [pq, raw] = await alternatedPaced(o.repeats, pacing, [
      async () => {
        const broker = await connect({ driver: new MemoryServer().connect() });
        brokers.push(broker);
        return polyqueueCase(broker, 'paced', o.concurrency);
      },
      async () => rawMemoryCase(new MemoryServer(), 'paced', o.concurrency),
    ]);
    if (perSecond < o.pacedRate)
      add('paced rate, capped', POLYQUEUE, perSecond, 'jobs/s', {
        note: `${count(o.pacedRate)} asked; a quarter of the streaming throughput keeps it below saturation`,
      });
    return pacedRows('memory', { ...pacing, repeats: o.repeats, target: PACED_P99_TARGET }, [
      { subject: POLYQUEUE, figures: pq! },
      { subject: RAW, figures: raw! },
    ]);
  } finally {
    for (const broker of brokers) await broker.close();
  }
}

async function sending(o: SuiteOptions, add: Add): Promise<void> {
  o.log(`memory: send ${count(o.jobs)} jobs, ${o.repeats}x each`);
  const pq = await medianSeconds(o.repeats, () =>
    withBroker((b) => sendBatches(b, 'send', o.jobs, o.batchSize)),
  );
  const raw = await medianSeconds(o.repeats, () =>
    withBroker((_, s) => rawSend(s, 'send', o.jobs, o.batchSize)),
  );
  const oneJobs = Math.max(1, Math.floor(o.jobs / 5));
  const one = await medianSeconds(o.repeats, () => withBroker((b) => sendOneByOne(b, 'send', oneJobs)));
  const note = `${count(o.jobs)} jobs, ${count(o.batchSize)} per call`;
  // One metric for both subjects, so the raw row carries the ratio (report.ts pairs rows by name).
  const metric = `send, ${count(o.batchSize)} per call`;
  add(metric, POLYQUEUE, o.jobs / pq, 'jobs/s', { target: SEND_TARGET, note: `${note}; sendBatch` });
  add(metric, RAW, o.jobs / raw, 'jobs/s', { note: `${note}; driver.send, counter ids` });
  add('send overhead per job', POLYQUEUE, perJobMicros(pq, raw, o.jobs), 'µs/job', {
    note: '1/polyqueue rate - 1/raw rate',
  });
  add('send, one per call', POLYQUEUE, oneJobs / one, 'jobs/s', {
    note: `${count(oneJobs)} awaited send() calls`,
  });
}

async function processing(o: SuiteOptions, add: Add): Promise<void> {
  o.log(`memory: process ${count(o.jobs)} pre-filled jobs, ${o.repeats}x each`);
  // RSS of the first run only: from before the fill, through the full queue, to the drained end.
  let rss: RssSummary | undefined;
  let heap: { before: number; after: number } | undefined;
  const pq = await medianSeconds(o.repeats, () =>
    withBroker(async (b) => {
      const heapBefore = heap === undefined ? liveHeapMiB() : 0;
      const before = rssMiB();
      await fill(b, 'process', o.jobs, o.batchSize);
      const filled = rssMiB();
      const run = await processPrefilled(b, 'process', o.jobs, o.concurrency);
      rss ??= prefilledTrace(before, filled, run.rss);
      heap ??= { before: heapBefore, after: liveHeapMiB() };
      return run.seconds;
    }),
  );
  const raw = await medianSeconds(o.repeats, () =>
    withBroker(async (b, s) => {
      await fill(b, 'process', o.jobs, o.batchSize);
      return rawProcess(s, 'process', o.jobs, o.concurrency);
    }),
  );
  const metric = `process, pre-filled, c=${o.concurrency}`;
  const note = `${count(o.jobs)} jobs, no-op handler`;
  add(metric, POLYQUEUE, o.jobs / pq, 'jobs/s', { target: PROCESS_TARGET, note });
  add(metric, RAW, o.jobs / raw, 'jobs/s', {
    note: `${note}; receive ${o.concurrency}, handle, ack, repeat`,
  });
  add('runtime overhead per job', POLYQUEUE, perJobMicros(pq, raw, o.jobs), 'µs/job', {
    note: '1/polyqueue rate - 1/raw rate',
  });
  addRss(add, 'pre-filled', rss!, `before the fill; ${count(o.jobs)} jobs queued at once`);
  add('pre-filled: live heap after drain', POLYQUEUE, heap!.after, 'MiB', {
    note: `after a full GC; ${heap!.before.toFixed(1)} MiB before the fill`,
  });
}

/** The pre-filled run from before the fill (at job 0), through the full queue, to the drained end. */
function prefilledTrace(before: number, filled: number, processing: RssTrace): RssSummary {
  const samples = [{ jobs: 0, rssMiB: before }, { jobs: 0, rssMiB: filled }, ...processing.samples];
  return { start: before, peak: Math.max(filled, processing.peak), end: processing.end, samples };
}

export const memorySuite: Suite = {
  name: 'memory',
  description: 'the in-memory adapter (memory://), against its driver used directly',
  async run(o) {
    const rows: Row[] = [];
    const add: Add = (metric, subject, value, unit, extra) =>
      rows.push({ suite: 'memory', metric, subject, value, unit, ...extra });
    o.log('memory: warming up');
    await warmUp(o);
    // The long run goes first, on the cleanest heap, so that its RSS trace is its own.
    const streamingRate = await streaming(o, add);
    rows.push(...(await pacedLatency(o, add, streamingRate)));
    await sending(o, add);
    await processing(o, add);
    return rows;
  },
};
