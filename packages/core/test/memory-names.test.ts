import { describe, expect, it } from 'vitest';
import { ConfigError, connect, MemoryServer, UnrecoverableError, VirtualClock } from '../src/index.js';

describe('memory queue names (rule N1)', () => {
  it('refuses a work queue named like the dead-letter queue of another, saying why', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    const error = await broker
      .queue('orders.dlq')
      .send({ n: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('"orders.dlq"');
    expect((error as Error).message).toContain('dead-letter queue of "orders"');
    await broker.close();
  });

  it('refuses it with provisioning off too, and for a worker', async () => {
    const server = new MemoryServer();
    const broker = await connect({ driver: server.connect(), provision: false });
    await broker.queue('orders').provision();
    server.create('orders.dlq');
    await expect(broker.queue('orders.dlq').send(1)).rejects.toBeInstanceOf(ConfigError);
    const worker = broker.queue('orders.dlq').process(() => {});
    const error = await new Promise<Error>((resolve) => worker.once('error', resolve));
    expect(error).toBeInstanceOf(ConfigError);
    await broker.close();
  });

  it('never hands the dead letters of x to a worker of x.dlq, nor mixes their failures', async () => {
    const clock = new VirtualClock();
    const broker = await connect({ driver: new MemoryServer({ clock }).connect() });
    const x = broker.queue<string>('x');
    x.process(() => {
      throw new UnrecoverableError('dead');
    });
    await x.send('job of x');
    const taken: string[] = [];
    const lookalike = broker.queue<string>('x.dlq').process((job) => void taken.push(job.payload));
    lookalike.on('error', () => {});
    await clock.advance(1_000);
    expect(taken).toEqual([]);
    expect((await x.deadLetters.peek()).map((letter) => letter.payload)).toEqual(['job of x']);
    await broker.close();
  });
});
