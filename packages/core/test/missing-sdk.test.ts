import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AdapterModule } from '../src/driver/index.js';
import { BrokerError, connect, ErrorCode, MemoryServer, MissingAdapterError } from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

const SDK = 'polyqueue-test-sdk-that-is-not-installed';
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function expectMissingSdk(error: unknown, scheme: string): void {
  expect(error).toBeInstanceOf(MissingAdapterError);
  expect((error as MissingAdapterError).packageName).toBe(SDK);
  expect((error as Error).message).toContain(`"${scheme}://"`);
  expect((error as Error).message).toContain(`npm install ${SDK}`);
  expect((error as Error).message).not.toMatch(/could not connect/);
}

describe('a missing peer SDK is reported like a missing adapter: the package and the install command', () => {
  it('when the adapter package imports its SDK at load time', async () => {
    const error = await connect('kafka://broker', {
      adapters: { kafka: fixture('adapter-with-missing-sdk.ts') },
    }).catch((e: unknown) => e);
    expectMissingSdk(error, 'kafka');
    expect((error as Error).message).toContain('peer dependency of');
  });

  it('when the adapter imports its SDK while it connects (createDriver)', async () => {
    const adapter: AdapterModule = {
      schemes: ['amqp'],
      parameters: [],
      createDriver: async () => {
        await import('./fixtures/lazy-sdk.js');
        throw new Error('unreachable');
      },
    };
    const error = await connect('amqp://guest:guest@localhost', { adapters: { amqp: adapter } }).catch(
      (e: unknown) => e,
    );
    expectMissingSdk(error, 'amqp');
  });

  it('when the adapter has already wrapped the import failure in its own connect error', async () => {
    const adapter: AdapterModule = {
      schemes: ['amqp'],
      parameters: [],
      createDriver: async () => {
        try {
          await import('./fixtures/lazy-sdk.js');
        } catch (cause) {
          throw new BrokerError('amqp: could not connect', ErrorCode.Unknown, cause);
        }
        throw new Error('unreachable');
      },
    };
    const error = await connect('amqp://host', { adapters: { amqp: adapter } }).catch((e: unknown) => e);
    expectMissingSdk(error, 'amqp');
  });

  it('when the driver imports its SDK on first send (a lazy connection)', async () => {
    const inner = new MemoryServer().connect();
    const driver = delegatingDriver(inner, {
      name: 'amqp',
      provision: async () => {
        try {
          await import('./fixtures/lazy-sdk.js');
        } catch (cause) {
          // As a driver that wraps its own connect errors would.
          throw new BrokerError('amqp: could not connect', ErrorCode.Unavailable, cause);
        }
      },
    });
    const broker = await connect({ driver });
    const error = await broker
      .queue('q')
      .send({ n: 1 })
      .catch((e: unknown) => e);
    expectMissingSdk(error, 'amqp');
    await broker.close();
  });
});
