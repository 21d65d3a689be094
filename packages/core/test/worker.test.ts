import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ClosedError,
  type DeadLetterRecord,
  HandlerTimeoutError,
  type Job,
  type Middleware,
  sleep,
  UnrecoverableError,
} from '../src/index.js';
import { createTestBroker, type TestBroker } from '../src/testing/index.js';

let t: TestBroker;
beforeEach(async () => {
  t = await createTestBroker();
});
afterEach(() => t.close());

const fast = { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 1_000 } } as const;

describe('worker: failures are recorded, never lost', () => {
  it('dead-letters a handler that throws a non-Error, with a readable message', async () => {
    const q = t.broker.queue('q', fast);
    q.process(() => {
      throw 'plain string';
    });
    await q.send({ n: 1 });
    await t.drain();
    const [dead] = t.deadLetters('q');
    expect(dead?.payload).toEqual({ n: 1 });
    expect(dead?.record).toMatchObject({ reason: 'failed', errorName: 'NonErrorThrown', attempts: 3 });
    expect(dead?.record?.errorMessage).toContain('plain string');
  });

  it('fails an attempt that hangs past handlerTimeoutMs and aborts its signal', async () => {
    const q = t.broker.queue('q', { ...fast, handlerTimeoutMs: 5_000 });
    const aborted: unknown[] = [];
    const failures: Error[] = [];
    const worker = q.process(
      (_job, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => aborted.push(signal.reason));
        }),
    );
    worker.on('failed', (_job, error) => failures.push(error));
    await q.send('hang');
    await t.drain();
    expect(failures).toHaveLength(3);
    expect(failures.every((e) => e instanceof HandlerTimeoutError)).toBe(true);
    expect(aborted).toHaveLength(3);
    expect(t.deadLetters('q')[0]?.record?.errorName).toBe('HandlerTimeoutError');
  });

  it('dead-letters an undecodable message with reason "decode" and keeps running', async () => {
    const q = t.broker.queue('q');
    const handled: unknown[] = [];
    q.process((job) => {
      handled.push(job.payload);
    });
    t.server.publishRaw('q', { body: Buffer.from('\xff{not json'), headers: {} });
    await q.send({ after: true });
    await t.drain();
    expect(handled).toEqual([{ after: true }]);
    expect(t.deadLetters('q').map((d) => d.record?.reason)).toEqual(['decode']);
    expect(t.deadLetters('q')[0]?.payload).toBeUndefined();
  });

  it('dead-letters a payload that fails the schema at receive with reason "validation"', async () => {
    const q = t.broker.queue('q', { schema: z.object({ n: z.number() }) });
    const handled: number[] = [];
    q.process((job) => {
      handled.push(job.payload.n);
    });
    t.server.publishRaw('q', { body: Buffer.from('{"n":"one"}'), headers: {} });
    await q.send({ n: 2 });
    await t.drain();
    expect(handled).toEqual([2]);
    expect(t.deadLetters('q')[0]?.record).toMatchObject({ reason: 'validation', attempts: 1 });
  });

  it('UnrecoverableError dead-letters on the first attempt', async () => {
    const q = t.broker.queue('q', fast);
    let calls = 0;
    q.process(() => {
      calls++;
      throw new UnrecoverableError('account deleted');
    });
    await q.send(1);
    await t.drain();
    expect(calls).toBe(1);
    expect(t.deadLetters('q')[0]?.record).toMatchObject({ reason: 'unrecoverable', attempts: 1 });
  });

  it('falls back to a safe backoff when a custom backoff function throws', async () => {
    const q = t.broker.queue('q', { maxAttempts: 2, backoff: () => Number.NaN });
    const errors: Error[] = [];
    let calls = 0;
    const worker = q.process(() => {
      if (++calls === 1) throw new Error('first');
    });
    worker.on('error', (e) => errors.push(e));
    await q.send(1);
    await t.drain();
    expect(calls).toBe(2);
    expect(errors[0]?.message).toMatch(/backoff function failed/);
  });
});

describe('worker: events, middleware, lifecycle', () => {
  it('emits completed, failed, retrying and dead-lettered with the job', async () => {
    const q = t.broker.queue<string>('q', { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 10 } });
    const events: string[] = [];
    const worker = q.process((job) => {
      if (job.payload === 'bad') throw new Error('no');
    });
    worker
      .on('completed', (job) => events.push(`completed ${job.payload}`))
      .on('failed', (job, error) => events.push(`failed ${job.payload}@${job.attempt} ${error.message}`))
      .on('retrying', (job, _e, info) =>
        events.push(`retrying ${job.payload} in ${info.delayMs} -> ${info.nextAttempt}`),
      )
      .on('dead-lettered', (job, record: DeadLetterRecord) =>
        events.push(`dead ${job?.payload} ${record.reason}`),
      );
    await q.send('ok');
    await q.send('bad');
    await t.drain();
    expect(events).toEqual([
      'completed ok',
      'failed bad@1 no',
      'retrying bad in 10 -> 2',
      'failed bad@2 no',
      'dead bad failed',
    ]);
  });

  it('a throwing event listener does not disturb settlement', async () => {
    const q = t.broker.queue('q');
    const worker = q.process(() => {});
    worker.on('completed', () => {
      throw new Error('listener bug');
    });
    await q.send(1);
    await t.drain();
    expect((await q.stats()).inFlight).toBe(0);
    expect(t.deadLetters('q')).toEqual([]);
  });

  it('runs middleware outermost first around the handler', async () => {
    const q = t.broker.queue('q');
    const trace: string[] = [];
    const layer =
      (name: string): Middleware =>
      async (_job, _ctx, next) => {
        trace.push(`${name} in`);
        await next();
        trace.push(`${name} out`);
      };
    q.process(() => void trace.push('handler'), { middleware: [layer('a'), layer('b')] });
    await q.send(1);
    await t.drain();
    expect(trace).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });

  it('exposes job fields: id, attempt, maxAttempts, enqueuedAt, attributes, keys, raw', async () => {
    const q = t.broker.queue<{ n: number }>('q', { maxAttempts: 4 });
    const jobs: Job<{ n: number }>[] = [];
    q.process((job) => {
      jobs.push(job);
    });
    const id = await q.send({ n: 1 }, { attributes: { tenant: 't1' }, orderingKey: 'k', dedupId: 'd' });
    await t.drain();
    expect(jobs[0]).toMatchObject({
      id,
      queue: 'q',
      payload: { n: 1 },
      attempt: 1,
      maxAttempts: 4,
      attributes: { tenant: 't1' },
      orderingKey: 'k',
      dedupId: 'd',
      enqueuedAt: new Date(t.time.now()),
    });
    expect((jobs[0]!.raw as { headers: Record<string, string> }).headers['pq-id']).toBe(id);
  });

  it('send, process and stats after close fail with ClosedError; close is idempotent', async () => {
    const q = t.broker.queue('q');
    const worker = q.process(() => {});
    await Promise.all([worker.close(), worker.close()]);
    expect(worker.isRunning).toBe(false);
    await t.broker.close();
    await t.broker.close();
    await expect(q.send(1)).rejects.toBeInstanceOf(ClosedError);
    expect(() => q.process(() => {})).toThrow(ClosedError);
    await expect(q.stats()).rejects.toBeInstanceOf(ClosedError);
    expect(() => t.broker.queue('other')).toThrow(ClosedError);
  });

  it('close() waits for running handlers and settles them', async () => {
    const q = t.broker.queue('q');
    let done = false;
    const worker = q.process(async () => {
      await sleep(t.time, 1_000);
      done = true;
    });
    await q.send(1);
    await t.advance(10);
    const closed = worker.close();
    await t.advance(1_000);
    await closed;
    expect(done).toBe(true);
    expect(await q.stats()).toMatchObject({ inFlight: 0, ready: 0 });
  });
});
