import { ConfigError } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { adapter, type SqsDriver } from '../src/index.js';

/** The adapter's URL parameters, read with the spellings every adapter shares (kit UrlParams). */
async function driverFor(query: string): Promise<SqsDriver> {
  const url = new URL(`sqs://?region=us-east-1&${query}`);
  const driver = await adapter.createDriver({
    url,
    redacted: url.href,
    params: new Map(url.searchParams),
  });
  return driver as SqsDriver;
}

describe('sqs:// URL parameters', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('fifo=%s reads as %s', async (text, fifo) => {
    const driver = await driverFor(`fifo=${text}`);
    expect(driver.capabilities.ordering).toBe(fifo);
    await driver.close('abandon');
  });

  it.each(['yes', 'TRUE', ''])('fifo=%s is refused with a ConfigError naming the parameter', async (text) => {
    const error = await driverFor(`fifo=${text}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/fifo/);
  });

  it.each(['21', '-1', '1.5', '1e1', ' 5', '0x10'])(
    'wait_time_seconds=%s is refused (decimal integers 0-20 only)',
    async (text) => {
      const error = await driverFor(`wait_time_seconds=${encodeURIComponent(text)}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/wait_time_seconds/);
    },
  );

  it('max_native_delay_seconds is read (standard queues delay natively up to it)', async () => {
    const driver = await driverFor('max_native_delay_seconds=60');
    expect(driver.capabilities.maxNativeDelayMs).toBe(60_000);
    await driver.close('abandon');
  });
});
