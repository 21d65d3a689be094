import { randomBytes } from 'node:crypto';
import { queueKeys, WORKER_GROUP } from '@polyqueue/adapter-redis';
import { type Broker, connect } from '@polyqueue/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { LOCAL_REDIS, localRedisUnavailable } from '../local-redis.js';
import { deferred, medianAfterGc, nowNs, secondsSince } from '../measure.js';
import type { Row, Target } from '../report.js';
import { streamingRows } from '../streaming-rows.js';
import type { Suite, SuiteOptions } from '../suite.js';
import { fill, noop, type Payload, payload, processPrefilled, sendBatches } from '../workload.js';
import { BULLMQ_CONCURRENCY, bullmqProcessRate } from './bullmq.js';

const REDIS = LOCAL_REDIS;
const MAX_JOBS = 50_000;
/** The targets of the Redis adapter's issue. */
const BULLMQ_PROCESS_TARGET: Target = { op: '>=', value: 1.5 };
const BULLMQ_SEND_TARGET: Target = { op: '>=', value: 1 };
const RAW_RATIO_TARGET: Target = { op: '>=', value: 0.9 };

const count = (n: number) => n.toLocaleString('en-US');

/** BullMQ's addBulk of `jobs` jobs, `batchSize` per call; returns seconds. */
async function bullmqAddBulk(jobs: number, batchSize: number): Promise<number> {
  const queue = new Queue(`pq-bench-${randomBytes(3).toString('hex')}`, { connection: REDIS });
  try {
    const start = nowNs();
    for (let sent = 0; sent < jobs; sent += batchSize) {
      const n = Math.min(batchSize, jobs - sent);
      await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'job', data: payload(sent + i) })));
    }
    return secondsSince(start);
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

export const redisSuite: Suite = {
  name: 'redis',
  description: `the Redis Streams adapter (${REDIS.host}:${REDIS.port}), against a raw XADD / XREADGROUP / XACK loop, and BullMQ 6 as the peer`,
  unavailable: localRedisUnavailable,
  async run(o: SuiteOptions): Promise<Row[]> {
    const rows: Row[] = [];
    const add = (metric: string, subject: string, value: number, unit: string, extra?: Partial<Row>) =>
      rows.push({ suite: 'redis', metric, subject, value, unit, ...extra });
    const prefix = `bench-${randomBytes(3).toString('hex')}`;
    const broker: Broker = await connect(`redis://${REDIS.host}:${REDIS.port}?key_prefix=${prefix}`);
    const raw = new Redis(REDIS);
    const jobs = Math.min(o.jobs, MAX_JOBS);
    const fresh = async (label: string): Promise<string> => {
      const name = `${label}-${randomBytes(3).toString('hex')}`;
      await broker.queue(name).provision();
      return name;
    };
    const prefilled = async (label: string) => {
      const name = await fresh(label);
      await fill(broker, name, jobs, o.batchSize);
      return name;
    };
    /** XADD of every job, pipelined per batch (what a hand-written producer does). */
    const rawSend = async (name: string): Promise<number> => {
      const { stream: key } = queueKeys(prefix, name);
      const start = nowNs();
      for (let sent = 0; sent < jobs; sent += o.batchSize) {
        const n = Math.min(o.batchSize, jobs - sent);
        const pipeline = raw.pipeline();
        for (let i = 0; i < n; i++) pipeline.xadd(key, '*', 'body', JSON.stringify(payload(sent + i)));
        await pipeline.exec();
      }
      return secondsSince(start);
    };
    /**
     * The hand-written consumer: `concurrency` loops, each reading up to 2 entries on a connection of
     * its own (the worker's concurrency + prefetch), handling them, then XACK + XDEL.
     */
    const rawProcess = async (name: string, concurrency: number): Promise<number> => {
      const { stream: key } = queueKeys(prefix, name);
      const readers = Array.from({ length: Math.max(1, Math.ceil(concurrency / 8)) }, () => raw.duplicate());
      let handled = 0;
      const done = deferred();
      const start = nowNs();
      await Promise.all(
        readers.map(async (reader, r) => {
          const consumer = `raw-${r}`;
          while (handled < jobs) {
            const reply = (await reader.xreadgroup(
              'GROUP',
              WORKER_GROUP,
              consumer,
              'COUNT',
              Math.ceil((concurrency * 2) / readers.length),
              'BLOCK',
              100,
              'STREAMS',
              key,
              '>',
            )) as [string, [string, string[]][]][] | null;
            const entries = reply?.[0]?.[1] ?? [];
            if (entries.length === 0) continue;
            await Promise.all(entries.map(([, fields]) => noop(JSON.parse(fields[1]!) as Payload)));
            const ids = entries.map(([id]) => id);
            await raw
              .pipeline()
              .xack(key, WORKER_GROUP, ...ids)
              .xdel(key, ...ids)
              .exec();
            handled += entries.length;
            if (handled >= jobs) done.resolve();
          }
        }),
      );
      await done.promise;
      const seconds = secondsSince(start);
      for (const reader of readers) reader.disconnect();
      return seconds;
    };
    try {
      o.log(`redis: send ${count(jobs)} jobs, ${o.repeats}x: polyqueue, raw XADD, BullMQ addBulk`);
      const pqSend = await medianAfterGc(o.repeats, async () =>
        sendBatches(broker, await fresh('send'), jobs, o.batchSize),
      );
      const rawSendS = await medianAfterGc(o.repeats, async () => rawSend(await fresh('raw-send')));
      const bullSend = await medianAfterGc(o.repeats, () => bullmqAddBulk(jobs, o.batchSize));
      const sendNote = `${count(jobs)} jobs, ${count(o.batchSize)} per call`;
      add('send', 'polyqueue', jobs / pqSend, 'jobs/s', {
        note: `${sendNote}; sendBatch (one script per 500)`,
      });
      add('send', 'raw XADD', jobs / rawSendS, 'jobs/s', { note: `${sendNote}; pipelined XADD` });
      add('send', 'bullmq', jobs / bullSend, 'jobs/s', { note: `${sendNote}; addBulk` });
      add('send, polyqueue / raw', 'polyqueue', rawSendS / pqSend, '×', { target: RAW_RATIO_TARGET });
      add('send, polyqueue / BullMQ addBulk', 'polyqueue', bullSend / pqSend, '×', {
        target: BULLMQ_SEND_TARGET,
      });

      o.log(
        `redis: process ${count(jobs)} pre-filled jobs at concurrency ${BULLMQ_CONCURRENCY}, ${o.repeats}x each side`,
      );
      const metric = `process, pre-filled, c=${BULLMQ_CONCURRENCY}`;
      const pq50 = await medianAfterGc(o.repeats, async () => {
        return (await processPrefilled(broker, await prefilled('process'), jobs, BULLMQ_CONCURRENCY)).seconds;
      });
      const raw50 = await medianAfterGc(o.repeats, async () =>
        rawProcess(await prefilled('raw-process'), BULLMQ_CONCURRENCY),
      );
      const bull = await medianAfterGc(o.repeats, () => bullmqProcessRate(jobs).then((rate) => jobs / rate));
      add(metric, 'polyqueue', jobs / pq50, 'jobs/s', { note: `${count(jobs)} no-op jobs` });
      add(metric, 'raw XREADGROUP/XACK', jobs / raw50, 'jobs/s', {
        note: 'batched reads, XACK + XDEL per batch',
      });
      add(metric, 'bullmq', jobs / bull, 'jobs/s', { note: 'BullMQ 6, same Redis, same run' });
      add('process, polyqueue / raw', 'polyqueue', raw50 / pq50, '×', { target: RAW_RATIO_TARGET });
      add('process, polyqueue / BullMQ', 'polyqueue', bull / pq50, '×', { target: BULLMQ_PROCESS_TARGET });

      await streamingRows('redis', broker, await fresh('stream'), jobs, o, add);
      add('RSS after streaming', 'polyqueue', process.memoryUsage.rss() / 1_048_576, 'MiB');
    } finally {
      await broker.close();
      let cursor = '0';
      do {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
        cursor = next;
        if (keys.length > 0) await raw.unlink(...keys);
      } while (cursor !== '0');
      raw.disconnect();
    }
    return rows;
  },
};
