import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AdapterModule, Driver } from '../src/driver/index.js';
import { BrokerError, connect, ErrorCode, MemoryServer } from '../src/index.js';

const SECRET = 'pw-that-must-not-show';

/** A native error as an SDK raises it for bad credentials: nothing a generic heuristic knows. */
function accessRefused(): Error {
  return Object.assign(new Error(`ACCESS_REFUSED - Login was refused using guest:${SECRET}`), {
    code: 403,
  });
}

const mapping = (error: unknown) =>
  (error as { code?: unknown }).code === 403 ? ErrorCode.PermissionDenied : ErrorCode.Unknown;

describe('errors while an adapter connects carry the adapter code, wrapped once', () => {
  it('createDriver: wrapped with the adapter module errorCode (PermissionDenied, not Unknown)', async () => {
    const adapter: AdapterModule = {
      schemes: ['stub'],
      parameters: [],
      errorCode: mapping,
      createDriver: async () => {
        throw accessRefused();
      },
    };
    const error = await connect(`stub://guest:${SECRET}@host`, { adapters: { stub: adapter } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.PermissionDenied);
    expect((error as BrokerError).cause).not.toBeInstanceOf(BrokerError);
    expect(inspect(error, { depth: 6 })).not.toContain(SECRET);
  });

  it('createDriver without a mapping: an unreachable socket is still Unavailable', async () => {
    const adapter: AdapterModule = {
      schemes: ['stub'],
      parameters: [],
      createDriver: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      },
    };
    const error = await connect('stub://host', { adapters: { stub: adapter } }).catch((e: unknown) => e);
    expect((error as BrokerError).code).toBe(ErrorCode.Unavailable);
    expect((error as BrokerError).retryable).toBe(true);
  });

  it('a lazy connect on first send: wrapped with the driver errorCode', async () => {
    const inner = new MemoryServer().connect();
    const driver: Driver = {
      name: 'stub',
      capabilities: inner.capabilities,
      provision: async () => {
        throw accessRefused();
      },
      send: (queue, messages) => inner.send(queue, messages),
      receiver: (queue, options) => inner.receiver(queue, options),
      deadLetters: (queue) => inner.deadLetters(queue),
      stats: (queue) => inner.stats(queue),
      errorCode: mapping,
      native: () => inner.native(),
      close: (mode) => inner.close(mode),
    };
    const broker = await connect({ driver });
    const error = await broker
      .queue('q')
      .send(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.PermissionDenied);
    expect((error as BrokerError).cause).not.toBeInstanceOf(BrokerError);
    await broker.close();
  });
});
