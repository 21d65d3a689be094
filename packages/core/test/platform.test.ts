import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { platformOf } from '../src/driver/index.js';
import { ConfigError, connect, MemoryServer } from '../src/index.js';
import { MemoryDriver } from '../src/memory/memory-driver.js';
import { delegatingDriver } from './fake-driver.js';

class OtherDriver {}

describe('platformOf(queue): the seam platform handlers use instead of a registry', () => {
  it("hands over the queue's real topology, its driver and its policy", async () => {
    const server = new MemoryServer();
    const driver = server.connect();
    const broker = await connect({ driver });
    const queue = broker.queue<{ n: number }>('emails', {
      deadLetterQueue: 'emails-dead',
      maxAttempts: 7,
      leaseMs: 12_000,
      handlerTimeoutMs: 3_000,
      backoff: { type: 'fixed', delayMs: 250 },
    });
    const platform = platformOf(queue);
    expect(platform.driver).toBe(driver);
    expect(platform.topology).toEqual({
      name: 'emails',
      deadLetterName: 'emails-dead',
      maxAttempts: 7,
      leaseMs: 12_000,
    });
    expect(platform.backoff(1, new Error('failed'))).toBe(250);
    expect(platform.handlerTimeoutMs).toBe(3_000);
    expect(platform.clock).toBe(broker.clock);
    await broker.close();
  });

  it('checks the driver type when given one, naming both on a mismatch', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    const queue = broker.queue('q');
    expect(platformOf(queue, MemoryDriver).driver).toBeInstanceOf(MemoryDriver);
    expect(() => platformOf(queue, OtherDriver as never)).toThrow(ConfigError);
    expect(() => platformOf(queue, OtherDriver as never)).toThrow(/memory broker; this needs a OtherDriver/);
    await broker.close();
  });

  it('takes a queue whose schema input differs from its payload type, typed by the payload', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    const queue = broker.queue('dates', { schema: z.object({ at: z.coerce.date() }) });
    const platform = platformOf(queue);
    const seen: Date[] = [];
    platform.createDeliveryHandler((job) => void seen.push(job.payload.at));
    expect(platform.topology.name).toBe('dates');
    await broker.close();
  });

  it('refuses anything that is not a Queue made by broker.queue()', () => {
    expect(() => platformOf({ name: 'q' } as never)).toThrow(/needs a Queue made by broker.queue\(\)/);
  });

  it('provisions through the broker (memoized) and runs the worker policy on handed-over deliveries', async () => {
    const server = new MemoryServer();
    let provisions = 0;
    const inner = server.connect();
    const driver = delegatingDriver(inner, {
      provision: (topology) => {
        provisions++;
        return inner.provision(topology);
      },
    });
    const broker = await connect({ driver });
    const queue = broker.queue<string>('q', { maxAttempts: 1 });
    const platform = platformOf(queue);
    await platform.ensureProvisioned();
    await platform.ensureProvisioned();
    expect(provisions).toBe(1);
    await queue.send('hello');
    const [delivery] = await driver
      .receiver(platform.topology, { leaseMs: 30_000, maxUnsettled: 1 })
      .receive(1, new AbortController().signal);
    const seen: string[] = [];
    const handler = platform.createDeliveryHandler((job) => void seen.push(job.payload));
    expect(await handler.handle(delivery!)).toBe('completed');
    expect(seen).toEqual(['hello']);
    await broker.close();
    expect(() => platform.createDeliveryHandler(() => undefined)).toThrow(/closed/i);
  });
});
