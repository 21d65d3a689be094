import { describe, expect, it } from 'vitest';
import { connect, MemoryServer, QueueNotFoundError, UnrecoverableError, VirtualClock } from '../src/index.js';

describe('memory dead letters', () => {
  it('with provisioning off, peek, redrive and purge of a missing queue fail with QueueNotFoundError', async () => {
    const broker = await connect({ driver: new MemoryServer().connect(), provision: false });
    const missing = broker.queue('missing');
    await expect(missing.deadLetters.peek()).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(missing.deadLetters.redrive()).rejects.toBeInstanceOf(QueueNotFoundError);
    await expect(missing.deadLetters.purge()).rejects.toBeInstanceOf(QueueNotFoundError);
    await broker.close();
  });

  it('redrive moves a job id once per call, even when the dead-letter queue holds it twice', async () => {
    const clock = new VirtualClock();
    const server = new MemoryServer({ clock });
    const broker = await connect({ driver: server.connect() });
    const q = broker.queue<string>('q');
    let fail = true;
    const runs: string[] = [];
    const worker = q.process((job) => {
      runs.push(job.payload);
      if (fail) throw new UnrecoverableError('dead');
    });
    const [a, b] = [await q.send('a'), await q.send('b')];
    await clock.advance(10);
    expect(runs).toEqual(['a', 'b']);
    // A duplicate dead letter of "a", as a broker without dedup ids can leave after a crash.
    const [letterA, letterB] = server.consumeRaw('q.dlq');
    for (const letter of [letterA!, letterA!, letterB!]) server.publishRaw('q.dlq', letter);
    expect((await q.deadLetters.peek()).map((letter) => letter.id)).toEqual([a, a, b]);

    fail = false;
    expect(await q.deadLetters.redrive()).toBe(2);
    await clock.advance(10);
    expect(runs.slice(2).sort()).toEqual(['a', 'b']);
    expect(await q.deadLetters.peek()).toEqual([]);
    await worker.close();
    await broker.close();
  });

  it('redrive with a limit counts jobs, not the duplicate copies it dropped', async () => {
    const clock = new VirtualClock();
    const server = new MemoryServer({ clock });
    const broker = await connect({ driver: server.connect() });
    const q = broker.queue<string>('q');
    const worker = q.process(() => {
      throw new UnrecoverableError('dead');
    });
    const [a, b] = [await q.send('a'), await q.send('b')];
    await clock.advance(10);
    await worker.close();
    const [letterA, letterB] = server.consumeRaw('q.dlq');
    for (const letter of [letterA!, letterA!, letterB!]) server.publishRaw('q.dlq', letter);
    expect(await q.deadLetters.redrive({ limit: 2 })).toBe(2);
    expect(server.consumeRaw('q').map((raw) => raw.headers['pq-id'])).toEqual([a, b]);
    expect(await q.deadLetters.peek()).toEqual([]);
    await broker.close();
  });
});
