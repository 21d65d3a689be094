import { describe, expect, it } from 'vitest';
import { BrokerError, ClosedError, connect, ErrorCode, MemoryServer } from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

describe('broker.checkConnection()', () => {
  it('resolves where the driver has no check (connect() already connected)', async () => {
    const broker = await connect('memory://');
    await expect(broker.checkConnection()).resolves.toBeUndefined();
    await broker.close();
  });

  it("rejects with the driver's error wrapped once, coded by the adapter", async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
    });
    const driver = delegatingDriver(new MemoryServer().connect(), {
      name: 'lazy',
      checkConnection: () => Promise.reject(refused),
      errorCode: (error) =>
        (error as { code?: string }).code === 'ECONNREFUSED' ? ErrorCode.Unavailable : ErrorCode.Unknown,
    });
    const broker = await connect({ driver });
    const error = await broker.checkConnection().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: ErrorCode.Unavailable });
    expect((error as Error).message).toContain('lazy: could not check the connection');
    expect((error as Error).cause).toBeDefined();
    await broker.close();
    await expect(broker.checkConnection()).rejects.toBeInstanceOf(ClosedError);
  });
});
