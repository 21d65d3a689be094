import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrefix as amqpPrefix, deleteEntities, RABBITMQ_URL } from '../../adapter-amqp/test/rabbitmq.js';
import { dropSchema, POSTGRES_URL, rawPool, runSchema } from '../../adapter-postgres/test/postgres-server.js';
import { deleteKeys, REDIS_URL, runPrefix as redisPrefix } from '../../adapter-redis/test/redis-server.js';
import { deleteStreams, NATS_URL, runPrefix as natsPrefix } from './nats-server.js';

// Issue 17 §3: the outbox relay killed outright. A child process relays an outbox (queue relay-a
// to RabbitMQ, relay-n to NATS); it is SIGKILLed twice mid-stream and run a third time, while
// workers on both targets count every job id. The fault is the killed relay, not a broker: the
// shared services are used under this run's prefixes, deleted at the end. The relay is
// broker-neutral: the outbox is one URL, PostgreSQL (the issue's) and Redis.
const redisKeys = redisPrefix('relayfault');
const pgSchema = runSchema('relayfault');
const OUTBOXES = [
  {
    name: 'PostgreSQL',
    url: `${POSTGRES_URL}?schema=${pgSchema}`,
    drop: async () => {
      const pool = await rawPool();
      await dropSchema(pool, pgSchema).finally(() => pool.end());
    },
  },
  { name: 'Redis', url: `${REDIS_URL}?key_prefix=${redisKeys}`, drop: () => deleteKeys(redisKeys) },
];

const PER_QUEUE = 10_000;
const KILL_EVERY = 4_000;
// What a killed relay held comes back on the outbox once its lease lapses: short, for a short test.
const LEASE_MS = 3_000;
const CHILD = fileURLToPath(new URL('./outbox-relay-child.ts', import.meta.url));
const queueOptions = { leaseMs: LEASE_MS };

describe.each(OUTBOXES)('outbox relay from $name under SIGKILL', ({ name, url: OUTBOX_URL, drop }) => {
  const rabbitPrefix = amqpPrefix('relayfault');
  const natsStreams = natsPrefix('relayfault');
  const AMQP_URL = `${RABBITMQ_URL}?queue_prefix=${rabbitPrefix}`;
  const TARGET_NATS_URL = `${NATS_URL}?stream_prefix=${natsStreams}`;
  let outbox: Broker;
  let rabbit: Broker;
  let nats: Broker;

  beforeAll(async () => {
    [outbox, rabbit, nats] = await Promise.all([
      connect(OUTBOX_URL),
      connect(AMQP_URL),
      connect(TARGET_NATS_URL),
    ]);
  });

  afterAll(async () => {
    await Promise.all([outbox, rabbit, nats].map((broker) => broker?.close({ timeoutMs: 5_000 })));
    await Promise.all([drop(), deleteEntities(rabbitPrefix), deleteStreams(natsStreams)]);
  });

  /** Starts the relay process; `onRelayed` hears its running total; resolves once it relays. */
  async function startRelay(onRelayed: (relayed: number) => void = () => undefined): Promise<{
    child: ChildProcess;
    exited: Promise<NodeJS.Signals | number | null>;
    errors: string[];
  }> {
    const child = fork(CHILD, [OUTBOX_URL, AMQP_URL, TARGET_NATS_URL, String(LEASE_MS)], {
      execArgv: ['--import', 'tsx', '--conditions=@polyqueue/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const errors: string[] = [];
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    await new Promise<void>((resolve, reject) => {
      child.on('message', (message: { ready?: boolean; relayed?: number; error?: string }) => {
        if (message.ready) resolve();
        if (message.relayed !== undefined) onRelayed(message.relayed);
        if (message.error !== undefined) errors.push(message.error);
      });
      void exited.then((how) => reject(new Error(`relay process exited before it was ready (${how})`)));
    });
    return { child, exited, errors };
  }

  async function sendAll(queue: string, ids: Set<string>): Promise<void> {
    for (let first = 0; first < PER_QUEUE; first += 1_000) {
      const items = Array.from({ length: 1_000 }, (_, i) => ({ payload: { n: first + i } }));
      for (const result of await outbox.queue(queue, queueOptions).sendBatch(items)) {
        if (!result.ok) throw result.error;
        ids.add(result.id);
      }
    }
  }

  /** Kills `run` with SIGKILL once it told `KILL_EVERY` jobs relayed. */
  async function killMidStream(): Promise<number> {
    let relayed = 0;
    let kill!: () => void;
    const reached = new Promise<void>((resolve) => (kill = resolve));
    const run = await startRelay((total) => {
      relayed = total;
      if (total >= KILL_EVERY) kill();
    });
    await reached;
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    return relayed;
  }

  it(`${2 * PER_QUEUE} jobs, the relay killed twice and rerun: 0 lost on both targets, 0 duplicates on NATS`, async () => {
    const started = Date.now();
    const sent = { a: new Set<string>(), n: new Set<string>() };
    await Promise.all([sendAll('relay-a', sent.a), sendAll('relay-n', sent.n)]);
    const seen = { a: new Map<string, number>(), n: new Map<string, number>() };
    let lastAt = Date.now();
    const count = (into: Map<string, number>) => async (job: { id: string }) => {
      into.set(job.id, (into.get(job.id) ?? 0) + 1);
      lastAt = Date.now();
    };
    const workers = [
      rabbit.queue('relay-a', queueOptions).process(count(seen.a), { concurrency: 64 }),
      nats.queue('relay-n', queueOptions).process(count(seen.n), { concurrency: 64, prefetch: 256 }),
    ];

    const killedAfter = [await killMidStream(), await killMidStream()];
    const last = await startRelay();
    const deadline = Date.now() + 90_000;
    const complete = () => seen.a.size >= PER_QUEUE && seen.n.size >= PER_QUEUE;
    while (Date.now() < deadline && !(complete() && Date.now() - lastAt > 3_000))
      await new Promise((resolve) => setTimeout(resolve, 250));
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    await Promise.all(workers.map((worker) => worker.close({ timeoutMs: 5_000 })));

    const tally = (ids: Set<string>, got: Map<string, number>) => ({
      lost: [...ids].filter((id) => !got.has(id)).length,
      duplicates: [...got.values()].reduce((sum, times) => sum + times - 1, 0),
      foreign: [...got.keys()].filter((id) => !ids.has(id)).length,
    });
    const rabbitTally = tally(sent.a, seen.a);
    const natsTally = tally(sent.n, seen.n);
    const outboxLeft = await Promise.all(
      ['relay-a', 'relay-n'].map((q) => outbox.queue(q, queueOptions).stats()),
    );
    console.log(
      `relay fault (${name} outbox): ${2 * PER_QUEUE} jobs; killed after ${killedAfter.join(' and ')} relayed; ` +
        `RabbitMQ ${JSON.stringify(rabbitTally)}, NATS ${JSON.stringify(natsTally)}; ` +
        `errors in the last run ${last.errors.length}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(rabbitTally).toMatchObject({ lost: 0, foreign: 0 });
    expect(natsTally).toEqual({ lost: 0, duplicates: 0, foreign: 0 });
    for (const stats of outboxLeft) expect(stats).toMatchObject({ ready: 0, inFlight: 0 });
  });
});
