import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connect, MemoryServer } from '../src/index.js';

describe('broker.capabilities when printed', () => {
  it('writes an unlimited maxNativeDelayMs as "Infinity" in JSON, never null', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    expect(broker.capabilities.maxNativeDelayMs).toBe(Number.POSITIVE_INFINITY);
    const json = JSON.parse(JSON.stringify(broker.capabilities));
    expect(json.maxNativeDelayMs).toBe('Infinity');
    expect(Number(json.maxNativeDelayMs)).toBe(Number.POSITIVE_INFINITY);
    expect(json.maxMessageBytes).toBe(1024 * 1024);
    expect(json.lease).toMatchObject({ expires: true, minMs: 1 });
    expect(JSON.stringify(broker.capabilities)).not.toContain('null');
    expect(inspect(broker.capabilities)).toContain('maxNativeDelayMs: Infinity');
    await broker.close();
  });

  it('is otherwise the driver capabilities, unchanged', async () => {
    const driver = new MemoryServer({ maxNativeDelayMs: 900_000 }).connect();
    const broker = await connect({ driver });
    expect(broker.capabilities).toEqual(driver.capabilities);
    expect(JSON.parse(JSON.stringify(broker.capabilities)).maxNativeDelayMs).toBe(900_000);
    await broker.close();
  });

  it('writes the stats fields as a list, and hands out a frozen copy of it', async () => {
    const driver = new MemoryServer().connect();
    const broker = await connect({ driver });
    const json = JSON.parse(JSON.stringify(broker.capabilities));
    expect(json.stats).toEqual(['ready', 'delayed', 'inFlight', 'deadLettered']);
    expect(json.listQueues).toBe(true);
    expect(Object.isFrozen(broker.capabilities.stats)).toBe(true);
    expect(broker.capabilities.stats).not.toBe(driver.capabilities.stats);
    await broker.close();
  });
});
