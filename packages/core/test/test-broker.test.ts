import { describe, expect, it } from 'vitest';
import { sleep } from '../src/index.js';
import { createTestBroker, simulateCrash } from '../src/testing/index.js';

describe('createTestBroker: helpers for users’ own tests', () => {
  it('records sent jobs per queue, with their options', async () => {
    const t = await createTestBroker();
    const q = t.broker.queue('emails');
    const id = await q.send({ to: 'a@b.c' }, { delay: 60_000, attributes: { tenant: 't1' } });
    expect(t.sent('emails')).toEqual([
      { id, payload: { to: 'a@b.c' }, attributes: { tenant: 't1' }, notBefore: t.time.now() + 60_000 },
    ]);
    expect(t.sent('other')).toEqual([]);
    await t.close();
  });

  it('drain() plays out a week of backoff in milliseconds of real time', async () => {
    const t = await createTestBroker();
    const q = t.broker.queue('q', { maxAttempts: 4, backoff: { type: 'fixed', delayMs: 2 * 86_400_000 } });
    let calls = 0;
    q.process(() => {
      calls++;
      throw new Error('always');
    });
    const start = t.time.now();
    const realStart = Date.now();
    await q.send('x');
    await t.drain();
    expect(calls).toBe(4);
    expect(t.time.now() - start).toBe(6 * 86_400_000);
    expect(Date.now() - realStart).toBeLessThan(5_000);
    expect(t.deadLetters('q')[0]?.record?.attempts).toBe(4);
    await t.close();
  });

  it('drain() rejects, saying what is stuck, when work cannot finish in time', async () => {
    const t = await createTestBroker();
    const q = t.broker.queue('q', { leaseMs: 1_000 });
    q.process(() => sleep(t.time, 10 * 86_400_000));
    await q.send('slow');
    await expect(t.drain({ maxMs: 60_000 })).rejects.toThrow(/q: ready 0, delayed 0, in flight 1/);
    await t.close();
  });

  it('works in real time too', async () => {
    const t = await createTestBroker({ time: 'real' });
    const q = t.broker.queue('q');
    const done: number[] = [];
    q.process((job) => void done.push(job.payload as number));
    await q.send(1, { delay: 30 });
    await t.drain();
    expect(done).toEqual([1]);
    expect(t.clock).toBeUndefined();
    await t.close();
  });

  it('simulateCrash leaves held jobs for lease expiry, then another worker gets attempt 2', async () => {
    const t = await createTestBroker();
    const crashing = await t.connect();
    crashing.queue('q', { leaseMs: 5_000 }).process(() => new Promise(() => {}));
    await t.broker.queue('q').send('job');
    await t.advance(10);
    await simulateCrash(crashing);
    const attempts: number[] = [];
    t.broker.queue('q', { leaseMs: 5_000 }).process((job) => void attempts.push(job.attempt));
    await t.advance(4_900);
    expect(attempts).toEqual([]);
    await t.advance(200);
    expect(attempts).toEqual([2]);
    await t.close();
  });
});
