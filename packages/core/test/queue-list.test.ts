import type { Driver } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { BrokerError, connect, MemoryServer, UnsupportedFeatureError } from '../src/index.js';

/** The memory driver with `queues` replaced (or removed, with `undefined`). */
function driverWith(queues: Driver['queues']): Driver {
  const inner = new MemoryServer().connect();
  return new Proxy(inner, {
    get: (target, key) => {
      if (key === 'queues') return queues;
      const value = Reflect.get(target, key, target);
      // Bound: the driver's methods reach its private fields, which a proxy does not have.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('broker.queues()', () => {
  it('lists provisioned work queues, sorted, without their dead-letter queues', async () => {
    const broker = await connect('memory://');
    await broker.queue('emails').provision();
    await broker.queue('billing', { deadLetterQueue: 'billing-failed' }).provision();
    await broker.queue('emails').send({ n: 1 });
    expect(await broker.queues()).toEqual(['billing', 'emails']);
    await broker.close();
  });

  it('fails with UnsupportedFeatureError, naming listQueues, when the driver cannot list', async () => {
    const broker = await connect({ driver: driverWith(undefined) });
    const error = await broker.queues().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as UnsupportedFeatureError).capability).toBe('listQueues');
    await broker.close();
  });

  it('wraps a native failure once, as a BrokerError naming the action', async () => {
    const broker = await connect({
      driver: driverWith(async () => {
        throw new Error('socket hang up');
      }),
    });
    const error = await broker.queues().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as Error).message).toBe('memory: could not list queues: socket hang up');
    await broker.close();
  });
});
