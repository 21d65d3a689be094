import { performance } from 'node:perf_hooks';
import type { Broker } from '@polyqueue/core';
import { collectGarbage, deferred, LatencySamples } from './measure.js';
import { POLYQUEUE, type Row, type Target } from './report.js';
import type { StreamingCase } from './streaming.js';
import { type Payload, payload } from './workload.js';

/**
 * Latency below saturation, measured the same way for polyqueue and for a raw client: every
 * millisecond a timer sends what is due by then as one batch (`StreamingCase.send`), every job is
 * stamped with `performance.now()` when it is built, and the handler (`consume`) records the time
 * to its start. Same pacer, same payloads, same batch sizes on both sides.
 */
export interface PacedRun {
  readonly latency: LatencySamples;
  /** Jobs handled per second over the run, from the first send to the last job handled. */
  readonly achievedPerSecond: number;
  /** Most jobs sent and not yet handled at any moment: a few milliseconds' worth below saturation. */
  readonly maxOutstanding: number;
}

/**
 * Below saturation: the subject kept up with the pace (handled at >= 95% of the rate). Above it
 * jobs queue behind each other and the figure is a backlog, not a latency.
 */
export function belowSaturation(run: PacedRun, perSecond: number): boolean {
  return run.achievedPerSecond >= 0.95 * perSecond;
}

export async function pacedRun(
  subject: StreamingCase,
  options: { perSecond: number; seconds: number },
): Promise<PacedRun> {
  const total = Math.max(1, Math.round(options.perSecond * options.seconds));
  const latency = new LatencySamples(total);
  const done = deferred();
  let sent = 0;
  let handled = 0;
  let maxOutstanding = 0;
  const consumer = subject.consume((job) => {
    if (job.t !== undefined) latency.add(performance.now() - job.t);
    if (++handled === total) done.resolve();
  });
  const start = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * options.perSecond) / 1000));
    const items: Payload[] = [];
    while (sent < due) items.push(payload(sent++, true));
    if (sent - handled > maxOutstanding) maxOutstanding = sent - handled;
    if (items.length > 0) await subject.send(items);
    // A timer, not a busy loop: the pacer must not take the event loop from the consumer.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await done.promise;
  const seconds = (performance.now() - start) / 1000;
  await consumer.close();
  return { latency, achievedPerSecond: total / seconds, maxOutstanding };
}

export interface PacedFigures {
  readonly p50: number;
  readonly p99: number;
  readonly achievedPerSecond: number;
  readonly maxOutstanding: number;
  readonly belowSaturation: boolean;
}

/**
 * `times` rounds of each side, alternated (so that a neighbour's burst does not land on one side
 * only), a full GC before each run; each figure is the median of its rounds, taken separately.
 *
 * One unmeasured second of each side first: a paced run takes paths the throughput warm-ups do
 * not (a receive that waits, sends of a few dozen jobs), and until those are compiled the first
 * round's tail was several times the later rounds' (memory, polyqueue: p99 7.0, 1.8, 0.9, 0.5 ms
 * over four rounds in one process), which made the median of three a warm-up figure.
 */
export async function alternatedPaced(
  times: number,
  options: { perSecond: number; seconds: number },
  sides: readonly (() => Promise<StreamingCase>)[],
): Promise<PacedFigures[]> {
  for (const side of sides)
    await pacedRun(await side(), { ...options, seconds: Math.min(1, options.seconds) });
  const runs: PacedRun[][] = sides.map(() => []);
  for (let round = 0; round < times; round++) {
    for (let s = 0; s < sides.length; s++) {
      collectGarbage();
      runs[s]!.push(await pacedRun(await sides[s]!(), options));
    }
  }
  return runs.map((list) => {
    const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    return {
      p50: mid(list.map((run) => run.latency.percentile(50))),
      p99: mid(list.map((run) => run.latency.percentile(99))),
      achievedPerSecond: mid(list.map((run) => run.achievedPerSecond)),
      maxOutstanding: mid(list.map((run) => run.maxOutstanding)),
      belowSaturation: list.every((run) => belowSaturation(run, options.perSecond)),
    };
  });
}

/**
 * The paced rate: the configured one, capped at a quarter of the throughput the suite measured
 * just before (and at the broker's own cap). On a busy or slow machine a fixed rate can be past
 * saturation, and then the figure would be a backlog, not a latency.
 */
export function pacedRate(configured: number, measuredPerSecond: number, floor = 100): number {
  const quarter = Math.floor(measuredPerSecond / 4 / floor) * floor;
  return Math.max(floor, Math.min(configured, quarter));
}

/** polyqueue on any broker as a StreamingCase: sendBatch, and a worker whose handler calls onJob. */
export function polyqueueCase(
  broker: Broker,
  queue: string,
  concurrency: number,
  prefetch?: number,
): StreamingCase {
  const q = broker.queue<Payload>(queue);
  return {
    async send(batch) {
      const results = await q.sendBatch(batch.map((job) => ({ payload: job })));
      if (!results.every((result) => result.ok)) throw new Error('bench: a send failed');
    },
    consume(onJob) {
      const worker = q.process(
        async (job) => {
          onJob(job.payload);
        },
        { concurrency, ...(prefetch !== undefined ? { prefetch } : {}) },
      );
      return { close: () => worker.close() };
    },
  };
}

/**
 * The rows of a paced comparison: p50 and p99 per subject (report.ts adds each raw row's ratio
 * and difference), and one row saying whether every run stayed below saturation, with the
 * evidence, so that a saturated run is never read as a latency.
 */
export function pacedRows(
  suite: string,
  options: {
    perSecond: number;
    seconds: number;
    repeats: number;
    /** On polyqueue's p99. */
    target?: Target;
    /** Adds a row: polyqueue's p99 minus the first other subject's, with this bound as its target. */
    withinMsOfRaw?: number;
  },
  sides: readonly { readonly subject: string; readonly figures: PacedFigures }[],
): Row[] {
  const rate = options.perSecond.toLocaleString('en-US');
  const rows: Row[] = [];
  // A saturated run measured a backlog: its rows carry no target, so nothing reads as met.
  const unsaturated = sides.every((side) => side.figures.belowSaturation);
  for (const { subject, figures } of sides) {
    const kept = `handled ${Math.round(figures.achievedPerSecond).toLocaleString('en-US')}/s, at most ${figures.maxOutstanding} outstanding`;
    rows.push({
      suite,
      metric: 'latency p50, paced',
      subject,
      value: figures.p50,
      unit: 'ms',
      note: `${rate} jobs/s for ${options.seconds} s, what is due each ms sent as one batch, every job stamped; median of ${options.repeats}; ${kept}`,
    });
    rows.push({
      suite,
      metric: 'latency p99, paced',
      subject,
      value: figures.p99,
      unit: 'ms',
      ...(subject === POLYQUEUE && options.target && unsaturated ? { target: options.target } : {}),
    });
  }
  const ours = sides.find((side) => side.subject === POLYQUEUE);
  const raw = sides.find((side) => side.subject !== POLYQUEUE);
  if (options.withinMsOfRaw !== undefined && ours && raw) {
    rows.push({
      suite,
      metric: 'latency p99, paced, polyqueue - raw',
      subject: POLYQUEUE,
      value: ours.figures.p99 - raw.figures.p99,
      unit: 'ms',
      ...(unsaturated ? { target: { op: '<=', value: options.withinMsOfRaw } as Target } : {}),
      note: unsaturated ? `against ${raw.subject}` : `against ${raw.subject}; saturated, so no verdict`,
    });
  }
  rows.push({
    suite,
    metric: 'paced: below saturation',
    subject: sides.map((side) => side.subject).join(', '),
    value: unsaturated,
    unit: '',
    target: { op: '==', value: true },
    note: 'every run handled >= 95% of the paced rate; if not, the latency rows measure a backlog',
  });
  return rows;
}
