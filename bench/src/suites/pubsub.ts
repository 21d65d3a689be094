import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { type Broker, connect } from '@polyqueue/core';
import { inRounds, rssMiB } from '../measure.js';
import { reachable } from '../reachable.js';
import type { Row, Target } from '../report.js';
import { endToEnd, type StreamingCase } from '../streaming.js';
import type { Suite, SuiteOptions } from '../suite.js';
import type { Payload } from '../workload.js';
import { rawStreamingPull, rawUnaryPull } from './pubsub/raw-clients.js';

const HOST = '127.0.0.1';
const PORT = 8085;
/**
 * Jobs per run of the unary-pull cases (raw and polyqueue), which move 30-45k jobs/s on the fake:
 * a run of a few seconds, not a fraction of one, so that one collector pause or scheduling burst
 * does not decide a run's ratio.
 */
const MAX_JOBS = 100_000;
/** The fake hands out about 450 messages/s per streaming pull, whatever the backlog: its rate needs fewer jobs. */
const STREAMING_JOBS = 4_000;
const STREAM_BACKLOG_BATCHES = 5;
const RAW_RATIO_TARGET: Target = { op: '>=', value: 0.9 };

const count = (n: number) => n.toLocaleString('en-US');

/** One topic + subscription per case, created the way the adapter does, on one throwaway project. */
async function freshQueue(broker: Broker, label: string): Promise<string> {
  const name = `bench-${label}-${randomBytes(3).toString('hex')}`;
  await broker.queue(name, { leaseMs: 60_000 }).provision();
  return name;
}

function polyqueueCase(
  broker: Broker,
  name: string,
  concurrency: number,
  prefetch = concurrency,
): StreamingCase {
  const queue = broker.queue<Payload>(name, { leaseMs: 60_000 });
  return {
    async send(batch) {
      const results = await queue.sendBatch(batch.map((job) => ({ payload: job })));
      if (!results.every((result) => result.ok)) throw new Error('bench: a send failed');
    },
    consume(onJob) {
      const worker = queue.process(
        async (job) => {
          onJob(job.payload);
        },
        { concurrency, prefetch },
      );
      return { close: () => worker.close() };
    },
  };
}

interface Run {
  readonly seconds: number;
  /** Jobs per second: the cases do not all run the same number of jobs. */
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** Each case's median run over `times` rounds (see inRounds: the fake's speed drifts during a run). */
async function interleavedMedians<K extends string>(
  times: number,
  cases: Readonly<Record<K, () => Promise<Run>>>,
): Promise<Record<K, Run>> {
  const runs = await inRounds(times, cases);
  const medians = {} as Record<K, Run>;
  for (const name of Object.keys(runs) as K[]) {
    const sorted = runs[name].sort((a, b) => a.seconds - b.seconds);
    medians[name] = sorted[Math.floor(sorted.length / 2)]!;
  }
  return medians;
}

export const pubsubSuite: Suite = {
  name: 'pubsub',
  description: `the Pub/Sub adapter on Google's pstest fake (${HOST}:${PORT}), against raw @google-cloud/pubsub loops`,
  async unavailable() {
    return (await reachable(HOST, PORT))
      ? undefined
      : `the Pub/Sub fake is not running on ${HOST}:${PORT}: start it with scripts/services.sh up pstest`;
  },
  async run(o: SuiteOptions) {
    process.env.METADATA_SERVER_DETECTION ??= 'none';
    const rows: Row[] = [];
    const add = (metric: string, subject: string, value: number, unit: string, extra?: Partial<Row>) =>
      rows.push({ suite: 'pubsub', metric, subject, value, unit, ...extra });
    const project = `bench-${randomBytes(4).toString('hex')}`;
    const emulatorHost = `${HOST}:${PORT}`;
    const pubsub = new PubSub({ projectId: project, apiEndpoint: emulatorHost });
    const broker = await connect(`pubsub://${project}?emulator_host=${emulatorHost}`);
    const jobs = Math.min(o.jobs, MAX_JOBS);
    const maxUnsettled = o.concurrency * 2; // polyqueue's default prefetch equals the concurrency
    const settings = { jobs, batchSize: o.batchSize, backlog: o.batchSize * STREAM_BACKLOG_BATCHES };
    const measure =
      (label: string, make: (name: string) => StreamingCase, cap = jobs) =>
      async (): Promise<Run> => {
        const name = await freshQueue(broker, label);
        const count = Math.min(jobs, cap);
        const run = await endToEnd(make(name), { ...settings, jobs: count });
        return {
          seconds: run.seconds,
          rate: count / run.seconds,
          p50: run.latency.percentile(50),
          p99: run.latency.percentile(99),
        };
      };
    try {
      const note = `${count(jobs)} jobs, ${count(o.batchSize)} per publish batch, c=${o.concurrency}, ${maxUnsettled} unsettled at most`;
      o.log(`pubsub: warming up`);
      await endToEnd(rawUnaryPull(pubsub, await freshQueue(broker, 'warm-raw'), maxUnsettled), {
        ...settings,
        jobs: Math.min(jobs, 2_000),
      });
      await endToEnd(polyqueueCase(broker, await freshQueue(broker, 'warm-pq'), o.concurrency), {
        ...settings,
        jobs: Math.min(jobs, 2_000),
      });
      o.log(
        `pubsub: end to end, ${o.repeats} rounds of raw streaming pull (${count(Math.min(jobs, STREAMING_JOBS))} jobs), raw unary pull, polyqueue, polyqueue prefetch 3x (${count(jobs)} jobs each)`,
      );
      const rssBefore = rssMiB();
      const {
        streaming,
        unary,
        pq,
        wide: pqWide,
      } = await interleavedMedians(o.repeats, {
        streaming: measure(
          'raw-stream',
          (name) => rawStreamingPull(pubsub, name, maxUnsettled),
          STREAMING_JOBS,
        ),
        unary: measure('raw-pull', (name) => rawUnaryPull(pubsub, name, maxUnsettled)),
        pq: measure('pq', (name) => polyqueueCase(broker, name, o.concurrency)),
        // More pulled ahead of the handlers: twice the unsettled bound of the default prefetch.
        wide: measure('pq-wide', (name) => polyqueueCase(broker, name, o.concurrency, o.concurrency * 3)),
      });
      const metric = 'end to end (send + process)';
      add(metric, 'polyqueue', pq.rate, 'jobs/s', {
        note: `${note}; sendBatch + worker, unary pull`,
      });
      add(metric, 'raw unary pull', unary.rate, 'jobs/s', {
        note: 'publishMessage with the pq-id and pq-enqueued-at attributes; v1 pull, handle, acknowledge, repeat',
      });
      add(metric, 'raw streaming pull', streaming.rate, 'jobs/s', {
        note: `${count(Math.min(jobs, STREAMING_JOBS))} jobs; publishMessage with the same attributes; subscription.on('message') + ack, flowControl maxMessages`,
      });
      add(metric, 'polyqueue, prefetch 3x', pqWide.rate, 'jobs/s', {
        note: `prefetch ${o.concurrency * 3}: ${o.concurrency * 4} unsettled at most, pulled ahead of the handlers`,
      });
      const best = Math.max(unary.rate, streaming.rate);
      add('polyqueue / best raw', 'polyqueue', pq.rate / best, 'x', { target: RAW_RATIO_TARGET });
      add('latency p50', 'polyqueue', pq.p50, 'ms', { note: 'send to handler start, every 100th job' });
      add('latency p99', 'polyqueue', pq.p99, 'ms');
      add('latency p50', 'raw unary pull', unary.p50, 'ms');
      add('latency p99', 'raw unary pull', unary.p99, 'ms');
      add('latency p50', 'raw streaming pull', streaming.p50, 'ms');
      add('latency p99', 'raw streaming pull', streaming.p99, 'ms');
      add('RSS after the measured rounds', 'polyqueue', rssMiB(), 'MiB', {
        note: `${rssBefore.toFixed(0)} MiB before the measured rounds; the whole bench process`,
      });
    } finally {
      await broker.close();
      await pubsub.close();
    }
    return rows;
  },
};
