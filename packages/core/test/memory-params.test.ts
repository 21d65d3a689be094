import { describe, expect, it } from 'vitest';
import { ConfigError, connect, MemoryServer } from '../src/index.js';

let namespace = 0;
const fresh = () => `memory://params-${process.pid}-${++namespace}`;

describe('memory:// parameters', () => {
  it.each(['0', '-5', '1.5', 'abc', ''])(
    'rejects max_native_delay_ms=%j with a ConfigError naming the parameter',
    async (value) => {
      const error = await connect(`${fresh()}?max_native_delay_ms=${value}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('max_native_delay_ms');
    },
  );

  it.each(['0', '1e3', ' 1', '0x10'])(
    'rejects dedup_window_ms=%j as the other adapters do (whole numbers >= 1)',
    async (value) => {
      const error = await connect(`${fresh()}?dedup_window_ms=${value}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('dedup_window_ms');
    },
  );

  it('accepts dedup_window_ms=1', async () => {
    const broker = await connect(`${fresh()}?dedup_window_ms=1`);
    expect(broker.capabilities.dedup).toEqual({ windowMs: 1 });
    await broker.close();
  });

  it('accepts a positive max_native_delay_ms', async () => {
    const broker = await connect(`${fresh()}?max_native_delay_ms=1`);
    expect(broker.capabilities.maxNativeDelayMs).toBe(1);
    await broker.close();
  });

  it('rejects max_message_bytes=0', async () => {
    await expect(connect(`${fresh()}?max_message_bytes=0`)).rejects.toThrow(/max_message_bytes/);
  });

  it('rejects a MemoryServer built with a non-positive maxNativeDelayMs', () => {
    expect(() => new MemoryServer({ maxNativeDelayMs: 0 })).toThrow(ConfigError);
    expect(() => new MemoryServer({ maxNativeDelayMs: -1 })).toThrow(/maxNativeDelayMs/);
  });
});
