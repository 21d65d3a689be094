import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { queueNames, WORKER_CONSUMER } from '@polyqueue/adapter-nats';
import { type Broker, connect } from '@polyqueue/core';
import { collectGarbage, deferred, medianAfterGc, nowNs, secondsSince } from '../measure.js';
import { alternatedPaced, pacedRate, pacedRows, polyqueueCase } from '../paced.js';
import type { Row, Target } from '../report.js';
import type { StreamingCase } from '../streaming.js';
import { streamingRows } from '../streaming-rows.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { fill, noop, type Payload, payload, processPrefilled, sendBatches } from '../workload.js';
import { BULLMQ_CONCURRENCY, bullmqProcessRate } from './bullmq.js';

const SERVER = '127.0.0.1:4222';
/** JetStream stores every message on disk: keep each case to seconds. */
const MAX_JOBS = 50_000;
const RAW_RATIO_TARGET: Target = { op: '>=', value: 0.95 };
/** Below saturation on this broker (JetStream writes each message): latency without a backlog. */
const PACED_RATE = 2_000;
const BULLMQ_RATIO_TARGET: Target = { op: '>=', value: 2 };

const count = (n: number) => n.toLocaleString('en-US');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs the cases in turn, `times` rounds, and returns each one's median seconds, in order. */
async function alternatedMedians<const T extends readonly (() => Promise<number>)[]>(
  times: number,
  cases: T,
): Promise<{ [K in keyof T]: number }> {
  const runs = cases.map(() => [] as number[]);
  for (let i = 0; i < times; i++) {
    for (const [k, run] of cases.entries()) {
      collectGarbage();
      runs[k]!.push(await run());
    }
  }
  return runs.map((seconds) => seconds.sort((x, y) => x - y)[Math.floor(seconds.length / 2)]!) as {
    [K in keyof T]: number;
  };
}

export const natsSuite: Suite = {
  name: 'nats',
  description: `the NATS JetStream adapter (${SERVER}), against raw @nats-io/jetstream (publish, consume + ack), and BullMQ as a peer`,
  async unavailable() {
    try {
      const nc = await natsConnect({ servers: SERVER, timeout: 2_000, reconnect: false });
      await nc.close();
      return undefined;
    } catch {
      return `nats-server is not running on ${SERVER}: start it with scripts/services.sh up nats`;
    }
  },
  async run(o: SuiteOptions): Promise<Row[]> {
    const rows: Row[] = [];
    const add = (metric: string, subject: string, value: number, unit: string, extra?: Partial<Row>) =>
      rows.push({ suite: 'nats', metric, subject, value, unit, ...extra });
    const prefix = `bench-${randomBytes(3).toString('hex')}`;
    const broker: Broker = await connect(`nats://${SERVER}?stream_prefix=${prefix}`);
    // Same client settings as polyqueue's own connection (noAsyncTraces: no two Errors built per
    // request), so that the raw baseline is not handicapped by a default polyqueue changes.
    const nc = await natsConnect({ servers: SERVER, noAsyncTraces: true });
    const js = jetstream(nc);
    const jobs = Math.min(o.jobs, MAX_JOBS);
    // polyqueue's prefetch defaults to its concurrency: a worker holds at most twice that, counting
    // what it asked the server for and has not received yet.
    const bound = o.concurrency * 2;
    // consume() counts only what it asked for and has not received: it asks again while its buffer
    // still holds up to max_messages unhandled, so it keeps up to twice max_messages asked for or
    // waiting (255 at 128, measured). Half the bound is the same prefetch (DESIGN.md, section 9).
    const maxMessages = bound / 2;
    /** A fresh queue per case, provisioned by polyqueue so that both sides use the same stream. */
    const fresh = async (label: string): Promise<string> => {
      const name = `${label}-${randomBytes(3).toString('hex')}`;
      await broker.queue(name).provision();
      return name;
    };
    const rawSend = async (name: string): Promise<number> => {
      const { subject } = queueNames(prefix, name);
      const start = nowNs();
      for (let sent = 0; sent < jobs; sent += o.batchSize) {
        const n = Math.min(o.batchSize, jobs - sent);
        await Promise.all(
          Array.from({ length: n }, (_, i) =>
            js.publish(subject, encoder.encode(JSON.stringify(payload(sent + i)))),
          ),
        );
      }
      return secondsSince(start);
    };
    const rawProcess = async (name: string, max = maxMessages): Promise<number> => {
      const consumer = await js.consumers.get(queueNames(prefix, name).stream, WORKER_CONSUMER);
      const start = nowNs();
      const messages = await consumer.consume({ max_messages: max });
      let handled = 0;
      const done = deferred();
      for await (const message of messages) {
        await noop(JSON.parse(decoder.decode(message.data)) as Payload);
        message.ack();
        if (++handled === jobs) {
          done.resolve();
          break;
        }
      }
      await done.promise;
      return secondsSince(start);
    };
    /** Raw JetStream as a StreamingCase: confirmed publishes, and a consume() loop that acks each. */
    const rawCase = (name: string): StreamingCase => {
      const { subject, stream } = queueNames(prefix, name);
      return {
        async send(batch) {
          await Promise.all(batch.map((job) => js.publish(subject, encoder.encode(JSON.stringify(job)))));
        },
        consume(onJob) {
          const stop = deferred();
          const loop = (async () => {
            const consumer = await js.consumers.get(stream, WORKER_CONSUMER);
            const messages = await consumer.consume({ max_messages: maxMessages });
            void stop.promise.then(() => messages.stop());
            for await (const message of messages) {
              onJob(JSON.parse(decoder.decode(message.data)) as Payload);
              message.ack();
            }
          })();
          return {
            close: async () => {
              stop.resolve();
              await loop;
            },
          };
        },
      };
    };
    try {
      o.log(`nats: send ${count(jobs)} jobs, ${o.repeats}x each side`);
      const pqSend = await medianAfterGc(o.repeats, async () =>
        sendBatches(broker, await fresh('send'), jobs, o.batchSize),
      );
      const rawSendS = await medianAfterGc(o.repeats, async () => rawSend(await fresh('raw-send')));
      const sendNote = `${count(jobs)} jobs, ${count(o.batchSize)} per call, every publish confirmed`;
      add('send', 'polyqueue', jobs / pqSend, 'jobs/s', { note: `${sendNote}; sendBatch` });
      add('send', 'raw @nats-io/jetstream', jobs / rawSendS, 'jobs/s', { note: `${sendNote}; js.publish` });
      add('send, polyqueue / raw', 'polyqueue', rawSendS / pqSend, '×', { target: RAW_RATIO_TARGET });

      o.log(`nats: process ${count(jobs)} pre-filled jobs, ${o.repeats}x each side`);
      const prefilled = async (label: string) => {
        const name = await fresh(label);
        await fill(broker, name, jobs, o.batchSize);
        return name;
      };
      // Alternated, so that a neighbour's burst on the shared cores does not land on one side only.
      const [pqProcess, rawProcessS, rawWideS] = await alternatedMedians(o.repeats, [
        async () => (await processPrefilled(broker, await prefilled('process'), jobs, o.concurrency)).seconds,
        async () => rawProcess(await prefilled('raw-process')),
        async () => rawProcess(await prefilled('raw-process-wide'), bound),
      ]);
      const processNote = `${count(jobs)} no-op jobs, at most ${bound} asked for or unsettled, explicit ack`;
      const metric = `process, pre-filled, c=${o.concurrency}`;
      add(metric, 'polyqueue', jobs / pqProcess, 'jobs/s', { note: processNote });
      add(metric, `raw @nats-io/jetstream, max_messages ${maxMessages}`, jobs / rawProcessS, 'jobs/s', {
        note: `${processNote}; consume() loop`,
      });
      add('process, polyqueue / raw', 'polyqueue', rawProcessS / pqProcess, '×', {
        target: RAW_RATIO_TARGET,
      });
      // The raw loop at max_messages = the bound, as this row's target was first set against: it
      // keeps up to twice as many messages asked for or waiting as polyqueue may hold.
      add(metric, `raw @nats-io/jetstream, max_messages ${bound}`, jobs / rawWideS, 'jobs/s', {
        note: `${count(jobs)} no-op jobs; consume() loop keeping up to about ${bound * 2} asked for or unhandled`,
      });

      o.log(`nats: polyqueue and BullMQ at concurrency ${BULLMQ_CONCURRENCY}`);
      const pq50 = await medianAfterGc(o.repeats, async () => {
        const name = await prefilled('process50');
        return (await processPrefilled(broker, name, jobs, BULLMQ_CONCURRENCY)).seconds;
      });
      const bull = await bullmqProcessRate(jobs).catch(() => Number.NaN);
      const metric50 = `process, pre-filled, c=${BULLMQ_CONCURRENCY}`;
      add(metric50, 'polyqueue', jobs / pq50, 'jobs/s', { note: `${count(jobs)} no-op jobs` });
      add(metric50, 'bullmq', bull, 'jobs/s', { note: 'BullMQ 6 on local Redis, same run' });
      add('process, polyqueue on NATS / BullMQ', 'polyqueue', jobs / pq50 / bull, '×', {
        target: BULLMQ_RATIO_TARGET,
      });

      const run = await streamingRows('nats', broker, await fresh('stream'), jobs, o, add);

      const rate = pacedRate(Math.min(o.pacedRate, PACED_RATE), jobs / run.seconds);
      o.log(`nats: paced latency, ${count(rate)} jobs/s for ${o.pacedSeconds} s, ${o.repeats}x each`);
      const pacing = { perSecond: rate, seconds: o.pacedSeconds };
      const [pqPaced, rawPaced] = await alternatedPaced(o.repeats, pacing, [
        async () => polyqueueCase(broker, await fresh('pq-paced'), o.concurrency),
        async () => rawCase(await fresh('raw-paced')),
      ]);
      rows.push(
        ...pacedRows('nats', { ...pacing, repeats: o.repeats, withinMsOfRaw: 1 }, [
          { subject: 'polyqueue', figures: pqPaced! },
          { subject: 'raw @nats-io/jetstream', figures: rawPaced! },
        ]),
      );
    } finally {
      await broker.close();
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names())
        if (name.startsWith(`${prefix}_`)) await jsm.streams.delete(name);
      await nc.close();
    }
    return rows;
  },
};
