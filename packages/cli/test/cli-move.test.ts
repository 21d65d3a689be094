import { type Broker, connect, type Job } from '@polyqueue/core';
import { describe, expect, it, vi } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';
import { moveBrokers } from './cli-move-brokers.js';
import { records, runCli } from './run-cli.js';

const brokers = moveBrokers('climove', ['orders']);
const { from, to } = brokers;
const natsStreams = new URL(to).searchParams.get('stream_prefix');

/** Every job on `queue` of `broker`, handled until `count` arrived. */
async function drain(broker: Broker, queue: string, count: number): Promise<Job<unknown>[]> {
  const jobs: Job<unknown>[] = [];
  const worker = broker.queue(queue).process(async (job) => void jobs.push(job), { concurrency: 8 });
  await vi.waitFor(() => expect(jobs.length).toBeGreaterThanOrEqual(count), { timeout: 20_000 });
  await worker.close();
  return jobs;
}

describe('polyqueue move, RabbitMQ to NATS', () => {
  it('moves every job with its id, payload, attributes and enqueuedAt; NDJSON on stdout, no password', async () => {
    const before = Date.now();
    const sent = await brokers.rabbit
      .queue('orders')
      .sendBatch(
        Array.from({ length: 25 }, (_, n) => ({ payload: { n }, options: { attributes: { n: `${n}` } } })),
      );
    const ids = sent.map((result) => (result.ok ? result.id : 'failed'));
    const sentBy = Date.now();

    const run = await runCli(['move', 'orders', '--from', from, '--to', to, '--json']);

    expect(run.code).toBe(0);
    const done = records(run).find((line) => line.event === 'done');
    expect(done).toEqual({
      event: 'done',
      queue: 'orders',
      moved: 25,
      ended: 'drained',
      deadLettersRedriven: 0,
      // RabbitMQ cannot tell these without its management API.
      leftOnSource: { delayed: null, inFlight: null },
    });
    expect(run.stdout + run.stderr).not.toContain('guest:guest');
    const jobs = await drain(brokers.nats, 'orders', 25);
    expect(jobs.map((job) => job.id).sort()).toEqual([...ids].sort());
    for (const job of jobs) {
      expect(job.attributes).toEqual({ n: `${(job.payload as { n: number }).n}` });
      expect(job.attempt).toBe(1);
      // The time it was first sent, not the time of the move.
      expect(job.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(job.enqueuedAt.getTime()).toBeLessThanOrEqual(sentBy);
    }
    expect(await brokers.rabbit.queue('orders').stats()).toMatchObject({ ready: 0 });
  });

  it('--limit moves that many and --rate paces them; the rest stays on the source', async () => {
    await brokers.rabbit
      .queue('orders')
      .sendBatch(Array.from({ length: 10 }, (_, n) => ({ payload: { n } })));
    const run = await runCli([
      'move',
      'orders',
      '--from',
      from,
      '--to',
      to,
      '--limit',
      '4',
      '--rate',
      '50/s',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('moved 4 job(s) of orders: limit reached');
    await vi.waitFor(async () =>
      expect(await brokers.rabbit.queue('orders').stats()).toMatchObject({ ready: 6 }),
    );
    await drain(brokers.nats, 'orders', 4);
    // Leave the source empty for the next test.
    await runCli(['move', 'orders', '--from', from, '--to', to]);
    await drain(brokers.nats, 'orders', 6);
  });

  it('--dead-letters moves dead letters too, as jobs to run again (attempts reset)', async () => {
    const failing = brokers.rabbit.queue('letters', { maxAttempts: 1 });
    await Promise.all([failing.provision(), brokers.nats.queue('letters').provision()]);
    const worker = failing.process(async () => {
      throw new Error('boom');
    });
    const id = await failing.send({ dead: true });
    await vi.waitFor(async () => expect(await failing.deadLetters.peek()).toHaveLength(1), {
      timeout: 10_000,
    });
    await worker.close();
    await failing.send({ live: true });

    const run = await runCli(['move', 'letters', '--from', from, '--to', to, '--dead-letters', '--json']);

    expect(run.code).toBe(0);
    expect(records(run).find((line) => line.event === 'done')).toMatchObject({
      moved: 2,
      deadLettersRedriven: 1,
    });
    expect(await failing.deadLetters.peek()).toEqual([]);
    const jobs = await drain(brokers.nats, 'letters', 2);
    expect(jobs.find((job) => job.id === id)).toMatchObject({ payload: { dead: true }, attempt: 1 });
  });

  it('a job the target refuses (over NATS max payload) stays on the source; the others move; exit 1 says how many', async () => {
    const big = brokers.rabbit.queue('big');
    await Promise.all([big.provision(), brokers.nats.queue('big').provision()]);
    await big.sendBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    await big.send({ blob: 'x'.repeat(1_100_000) });

    const run = await runCli(['move', 'big', '--from', from, '--to', to, '--json']);

    expect(run.code).toBe(1);
    expect(records(run).find((line) => line.event === 'failed')).toEqual({
      event: 'failed',
      queue: 'big',
      moved: 2,
    });
    expect(run.stderr).toContain('the broker accepts at most 1040384');
    expect(run.stderr).toContain('moved 2 job(s) of big before the error');
    await vi.waitFor(async () => expect(await big.stats()).toMatchObject({ ready: 1 }));
    await drain(brokers.nats, 'big', 2);
  });

  it('an unknown queue fails with exit 1 and names the side', async () => {
    const run = await runCli(['move', 'no-such-queue', '--from', from, '--to', to]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/source broker: .*"no-such-queue" does not exist/);
    const target = await runCli([
      'move',
      'orders',
      '--from',
      from,
      '--to',
      `${NATS_URL}?stream_prefix=${natsStreams}x`,
    ]);
    expect(target.code).toBe(1);
    expect(target.stderr).toMatch(/target broker: .*"orders" does not exist/);
  });

  it('an unreachable broker fails with exit 1 in one line, credentials masked', async () => {
    const run = await runCli(['move', 'orders', '--from', 'amqp://ops:s3cret@127.0.0.1:1', '--to', to]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('s3cret');
  });

  it('bad input is a usage error (exit 2): --rate, --limit, a missing --to', async () => {
    for (const args of [
      ['--rate', 'fast'],
      ['--rate', '0/s'],
      ['--limit', '0'],
    ]) {
      const run = await runCli(['move', 'orders', '--from', from, '--to', to, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
    }
    const missing = await runCli(['move', 'orders', '--from', from]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--to');
  });
});

describe('polyqueue move, NATS to NATS', () => {
  it('says what stays on the source: a delayed job, moved once due', async () => {
    const streams = runPrefix('climovedelay');
    const source = await connect(`${NATS_URL}?stream_prefix=${streams}`);
    try {
      await brokers.nats.queue('later').provision();
      await source.queue('later').send({ now: true });
      await source.queue('later').send({ later: true }, { delay: 600_000 });

      const run = await runCli([
        'move',
        'later',
        '--from',
        `${NATS_URL}?stream_prefix=${streams}`,
        '--to',
        to,
        '--json',
      ]);

      expect(run.code).toBe(0);
      expect(records(run).find((line) => line.event === 'done')).toMatchObject({
        moved: 1,
        leftOnSource: { delayed: 1, inFlight: 0 },
      });
      expect(run.stderr).toContain('1 still delayed on the source: they move once due');
    } finally {
      await source.close();
      await deleteStreams(streams);
    }
  });
});
