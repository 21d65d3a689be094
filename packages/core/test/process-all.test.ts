import { describe, expect, it } from 'vitest';
import { ClosedError, ConfigError, connect, MemoryServer, processAll } from '../src/index.js';

describe('processAll', () => {
  it('one handler for the same queue on two brokers: jobs from both are handled; close closes both', async () => {
    const old = await connect({ driver: new MemoryServer().connect() });
    const next = await connect({ driver: new MemoryServer().connect() });
    const seen: string[] = [];
    const worker = processAll([old.queue<string>('emails'), next.queue<string>('emails')], async (job) => {
      seen.push(job.payload);
    });
    await old.queue('emails').send('from the old broker');
    await next.queue('emails').send('from the new broker');
    await expect.poll(() => [...seen].sort()).toEqual(['from the new broker', 'from the old broker']);

    await worker.close();

    expect(worker.workers.map((w) => w.isRunning)).toEqual([false, false]);
    await old.queue('emails').send('after close');
    await next.queue('emails').send('after close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(2);
    expect(await old.queue('emails').stats()).toMatchObject({ ready: 1 });
    expect(await next.queue('emails').stats()).toMatchObject({ ready: 1 });
    await Promise.all([old.close(), next.close()]);
  });

  it('events of every worker reach a listener on the group', async () => {
    const a = await connect({ driver: new MemoryServer().connect() });
    const b = await connect({ driver: new MemoryServer().connect() });
    const completed: string[] = [];
    const worker = processAll([a.queue('q'), b.queue('q')], async () => undefined).on('completed', (job) =>
      completed.push(job.id),
    );
    const ids = [await a.queue('q').send(1), await b.queue('q').send(2)];
    await expect.poll(() => [...completed].sort()).toEqual([...ids].sort());
    await worker.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('no queues is a ConfigError; a closed broker fails the whole group and leaves nothing running', async () => {
    expect(() => processAll([], async () => undefined)).toThrow(ConfigError);
    const open = await connect({ driver: new MemoryServer().connect() });
    const closed = await connect({ driver: new MemoryServer().connect() });
    const queue = closed.queue('q');
    await closed.close();
    expect(() => processAll([open.queue('q'), queue], async () => undefined)).toThrow(ClosedError);
    await open.close();
  });
});
