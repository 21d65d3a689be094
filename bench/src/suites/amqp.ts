import { randomBytes } from 'node:crypto';
import { type Broker, connect } from '@polyqueue/core';
import amqplib from 'amqplib';
import { inRounds, rssMiB } from '../measure.js';
import { alternatedPaced, pacedRate, pacedRows, polyqueueCase } from '../paced.js';
import { reachable } from '../reachable.js';
import type { Row, Target } from '../report.js';
import { endToEnd } from '../streaming.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { type AmqpCase, processAll, rawCase, sendAll } from './amqp/cases.js';

const URL = process.env.AMQP_BENCH_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const HOST = '127.0.0.1';
const PORT = 5672;
/** A real broker writes every persistent message to disk: keep the runs to seconds. */
const MAX_JOBS = 50_000;
const STREAM_BACKLOG_BATCHES = 5;
const RAW_RATIO_TARGET: Target = { op: '>=', value: 0.9 };
/** Below saturation on this broker: latency without a backlog. */
const PACED_RATE = 2_000;
/** The cascade levels polyqueue declares by default, deleted with the run's queues. */
const DELAY_LEVELS = 32;

const count = (n: number) => n.toLocaleString('en-US');

function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medianRun<T extends { seconds: number }>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export const amqpSuite: Suite = {
  name: 'amqp',
  description: `the RabbitMQ adapter (quorum queues, ${HOST}:${PORT}), against raw amqplib (confirms, consume + ack)`,
  async unavailable() {
    return (await reachable(HOST, PORT))
      ? undefined
      : `RabbitMQ is not running on ${HOST}:${PORT}: start it with scripts/services.sh up rabbitmq`;
  },
  async run(o: SuiteOptions) {
    const rows: Row[] = [];
    const add = (metric: string, subject: string, value: number, unit: string, extra?: Partial<Row>) =>
      rows.push({ suite: 'amqp', metric, subject, value, unit, ...extra });
    const prefix = `bench-${randomBytes(3).toString('hex')}-`;
    const broker: Broker = await connect(`${URL}?queue_prefix=${prefix}`);
    // The same socket options as the adapter: TCP_NODELAY.
    const raw = await amqplib.connect(URL, { noDelay: true });
    const queues: string[] = [];
    const jobs = Math.min(o.jobs, MAX_JOBS);
    // polyqueue's prefetch defaults to its concurrency: basic.qos is concurrency + prefetch.
    const prefetch = o.concurrency * 2;
    /** A fresh quorum queue per case, provisioned by polyqueue so that both sides use the same. */
    const fresh = async (label: string): Promise<string> => {
      const name = `${label}-${randomBytes(3).toString('hex')}`;
      await broker.queue(name).provision();
      queues.push(prefix + name, `${prefix}${name}.dlq`);
      return name;
    };
    const pq = (name: string) => polyqueueCase(broker, name, o.concurrency);
    const rawOn = (name: string) => rawCase(raw, prefix + name, prefetch);
    /** Send then process one queue, timing each half. */
    const sendThenProcess = async (make: (name: string) => AmqpCase | Promise<AmqpCase>, label: string) => {
      const name = await fresh(label);
      const subject = await make(name);
      const send = await sendAll(subject, jobs, o.batchSize);
      const process = await processAll(subject, jobs);
      return { send, process };
    };
    try {
      o.log('amqp: warming up');
      await sendThenProcess(rawOn, 'warm-raw');
      await sendThenProcess(pq, 'warm-pq');
      o.log(`amqp: send then process ${count(jobs)} jobs, ${o.repeats}x each (raw amqplib, polyqueue)`);
      const rssBefore = rssMiB();
      const { raw: rawRuns, pq: pqRuns } = await inRounds(o.repeats, {
        raw: () => sendThenProcess(rawOn, 'raw'),
        pq: () => sendThenProcess(pq, 'pq'),
      });
      const rawSend = middle(rawRuns.map((r) => r.send));
      const rawProcess = middle(rawRuns.map((r) => r.process));
      const pqSend = middle(pqRuns.map((r) => r.send));
      const pqProcess = middle(pqRuns.map((r) => r.process));
      const sendNote = `${count(jobs)} jobs, ${count(o.batchSize)} per batch, persistent, confirmed`;
      add('send', 'polyqueue', jobs / pqSend, 'jobs/s', { note: `${sendNote}; sendBatch` });
      add('send', 'raw amqplib', jobs / rawSend, 'jobs/s', {
        note: `${sendNote}; sendToQueue (mandatory) + waitForConfirms`,
      });
      add('send, polyqueue / raw', 'polyqueue', rawSend / pqSend, 'x', { target: RAW_RATIO_TARGET });
      const processNote = `${count(jobs)} pre-filled jobs, c=${o.concurrency}, basic.qos ${prefetch}`;
      add('process, pre-filled', 'polyqueue', jobs / pqProcess, 'jobs/s', {
        note: `${processNote}; worker, no-op handler, acks coalesced (multiple)`,
      });
      add('process, pre-filled', 'raw amqplib', jobs / rawProcess, 'jobs/s', {
        note: `${processNote}; consume, JSON.parse, one ack per message`,
      });
      add('process, polyqueue / raw', 'polyqueue', rawProcess / pqProcess, 'x', {
        target: RAW_RATIO_TARGET,
      });

      o.log(`amqp: end to end (send and process at once), ${count(jobs)} jobs, ${o.repeats}x each`);
      const settings = { jobs, batchSize: o.batchSize, backlog: o.batchSize * STREAM_BACKLOG_BATCHES };
      const e2e = async (make: (name: string) => AmqpCase | Promise<AmqpCase>, label: string) => {
        const run = await endToEnd(await make(await fresh(label)), settings);
        return { seconds: run.seconds, p50: run.latency.percentile(50), p99: run.latency.percentile(99) };
      };
      const e2eRuns = await inRounds(o.repeats, {
        raw: () => e2e(rawOn, 'raw-e2e'),
        pq: () => e2e(pq, 'pq-e2e'),
      });
      const rawE2e = medianRun(e2eRuns.raw);
      const pqE2e = medianRun(e2eRuns.pq);
      const e2eNote = `${count(jobs)} jobs, backlog <= ${count(settings.backlog)}`;
      add('end to end', 'polyqueue', jobs / pqE2e.seconds, 'jobs/s', { note: e2eNote });
      add('end to end', 'raw amqplib', jobs / rawE2e.seconds, 'jobs/s', { note: e2eNote });
      add('end to end, polyqueue / raw', 'polyqueue', rawE2e.seconds / pqE2e.seconds, 'x', {
        target: RAW_RATIO_TARGET,
      });
      add('latency p50, end to end', 'polyqueue', pqE2e.p50, 'ms', {
        note: 'send to handler start, every 100th job; mostly time queued behind the backlog',
      });
      add('latency p99, end to end', 'polyqueue', pqE2e.p99, 'ms');
      add('latency p50, end to end', 'raw amqplib', rawE2e.p50, 'ms');
      add('latency p99, end to end', 'raw amqplib', rawE2e.p99, 'ms');

      const rate = pacedRate(
        Math.min(o.pacedRate, PACED_RATE),
        Math.min(jobs / pqE2e.seconds, jobs / rawE2e.seconds),
      );
      o.log(`amqp: paced latency, ${count(rate)} jobs/s for ${o.pacedSeconds} s, ${o.repeats}x each`);
      const pacing = { perSecond: rate, seconds: o.pacedSeconds };
      const [pqPaced, rawPaced] = await alternatedPaced(o.repeats, pacing, [
        async () => pq(await fresh('pq-paced')),
        async () => rawOn(await fresh('raw-paced')),
      ]);
      rows.push(
        ...pacedRows('amqp', { ...pacing, repeats: o.repeats, withinMsOfRaw: 1 }, [
          { subject: 'polyqueue', figures: pqPaced! },
          { subject: 'raw amqplib', figures: rawPaced! },
        ]),
      );
      add('RSS after the measured runs', 'polyqueue', rssMiB(), 'MiB', {
        note: `${rssBefore.toFixed(0)} MiB before them (raw and polyqueue runs alternate); the whole bench process`,
      });
    } finally {
      await broker.close();
      const levels = Array.from({ length: DELAY_LEVELS }, (_, k) => `${prefix}polyqueue.delay.quorum.${k}`);
      await deleteAll(raw, [...queues, ...levels], [...levels, `${prefix}polyqueue.delay.quorum.deliver`]);
      await raw.close().catch(() => undefined);
    }
    return rows;
  },
};

/** Leaves nothing behind: the run's queues, and the cascade's queues and exchanges. */
async function deleteAll(
  connection: amqplib.ChannelModel,
  queues: readonly string[],
  exchanges: readonly string[],
): Promise<void> {
  // One channel per deletion: a failed one closes its channel.
  const attempt = async (work: (channel: amqplib.Channel) => Promise<unknown>) => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await work(channel).catch(() => undefined);
    await channel.close().catch(() => undefined);
  };
  for (const name of queues) await attempt((channel) => channel.deleteQueue(name));
  for (const name of exchanges) await attempt((channel) => channel.deleteExchange(name));
}
