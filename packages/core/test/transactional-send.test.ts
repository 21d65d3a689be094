import type { Driver, OutgoingMessage, SendCallOptions, SendOutcome } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BrokerError,
  connect,
  MemoryServer,
  UnsupportedFeatureError,
  ValidationError,
} from '../src/index.js';

const TX = { name: 'the application transaction' };

/** The memory driver, declaring transactions and recording what each send was given. */
function transactionalDriver(maxBatchSize = 1_000) {
  const inner = new MemoryServer().connect();
  const calls: { ids: string[]; options: SendCallOptions | undefined }[] = [];
  let running = 0;
  let mostRunning = 0;
  let syncFailure: Error | undefined;
  const driver = new Proxy(inner, {
    get: (target, key) => {
      if (key === 'capabilities') return { ...target.capabilities, transactions: true, maxBatchSize };
      if (key === 'send')
        return async (queue: never, messages: readonly OutgoingMessage[], options?: SendCallOptions) => {
          calls.push({ ids: messages.map((m) => m.meta.id), options });
          running += 1;
          mostRunning = Math.max(mostRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
          return target.send(queue, messages);
        };
      if (key === 'sendSync')
        return (
          _queue: never,
          messages: readonly OutgoingMessage[],
          options: SendCallOptions,
        ): SendOutcome[] => {
          if (syncFailure) throw syncFailure;
          calls.push({ ids: messages.map((m) => m.meta.id), options });
          return messages.map(() => ({ ok: true }));
        };
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Driver;
  return {
    driver,
    calls,
    mostRunning: () => mostRunning,
    failSync: (error: Error) => {
      syncFailure = error;
    },
  };
}

describe('transactional send (core)', () => {
  it('an adapter without the transactions capability (memory) refuses it before sending anything', async () => {
    const broker = await connect('memory://');
    const queue = broker.queue('tx-memory');
    const error = await queue.send({ n: 1 }, { transaction: TX }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as UnsupportedFeatureError).capability).toBe('transactional send');
    await expect(queue.sendBatch([{ payload: 1, options: { transaction: TX } }])).rejects.toBeInstanceOf(
      UnsupportedFeatureError,
    );
    expect(() => queue.sendSync({ n: 1 }, { transaction: TX })).toThrow(UnsupportedFeatureError);
    expect((await queue.stats()).ready).toBe(0);
    await broker.close();
  });

  it('hands the handle to the driver with every chunk, one chunk at a time', async () => {
    const fake = transactionalDriver(2);
    const broker = await connect({ driver: fake.driver });
    const queue = broker.queue('tx-chunks');
    const items = [1, 2, 3, 4, 5].map((n) => ({ payload: n, options: { transaction: TX } }));
    const results = await queue.sendBatch(items);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.calls.map((c) => c.ids.length)).toEqual([2, 2, 1]);
    expect(fake.calls.every((c) => c.options?.transaction === TX)).toBe(true);
    expect(fake.mostRunning()).toBe(1);
    await queue.send(6);
    expect(fake.calls.at(-1)?.options).toBeUndefined();
    await broker.close();
  });

  it('a batch whose items carry different transactions (or some none) fails whole with ValidationError', async () => {
    const fake = transactionalDriver();
    const broker = await connect({ driver: fake.driver });
    const queue = broker.queue('tx-mixed');
    await expect(
      queue.sendBatch([{ payload: 1, options: { transaction: TX } }, { payload: 2 }]),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      queue.sendBatch([
        { payload: 1, options: { transaction: TX } },
        { payload: 2, options: { transaction: { other: true } } },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(fake.calls).toEqual([]);
    await broker.close();
  });

  it('sendSync writes through the driver before returning, and throws what fails', async () => {
    const fake = transactionalDriver();
    const broker = await connect({ driver: fake.driver });
    const queue = broker.queue('tx-sync', { schema: z.object({ n: z.number() }) });
    const id = queue.sendSync({ n: 1 }, { transaction: TX });
    expect(fake.calls).toEqual([{ ids: [id], options: { transaction: TX } }]);
    expect(() => queue.sendSync({ n: 'x' } as never, { transaction: TX })).toThrow(ValidationError);
    expect(() => queue.sendSync({ n: 1 }, { transaction: undefined })).toThrow(/needs options.transaction/);
    fake.failSync(new Error('SQLITE_CONSTRAINT'));
    expect(() => queue.sendSync({ n: 2 }, { transaction: TX })).toThrow(BrokerError);
    const asyncSchema = broker.queue('tx-sync-async', {
      schema: z.object({ n: z.number() }).refine(async () => true),
    });
    expect(() => asyncSchema.sendSync({ n: 1 }, { transaction: TX })).toThrow(/validates asynchronously/);
    expect(fake.calls).toHaveLength(1);
    await broker.close();
  });
});
