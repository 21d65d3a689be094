import { type Broker, connect, MemoryServer } from '@polyqueue/core';
import type { AdapterModule, BackgroundErrorSink, Driver } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { SuiteContext } from '../src/context.js';
import type { BackgroundFault, TestApi } from '../src/harness.js';
import { backgroundErrorRules } from '../src/rules/background-errors.js';
import { RuleRegistry } from '../src/skip.js';
import { memoryHarness } from './memory-harness.js';

const SECRET = 'e1-s3cr3t-pw';

/**
 * A memory driver with a background path the test controls: `fail(queue)` reports what a failing
 * forwarder would, quoting the connection URL with its password, as careless native errors do.
 */
function faultyAdapter(
  server: MemoryServer,
  brokers: Map<Broker | Driver, (queue: string) => void>,
): AdapterModule {
  return {
    schemes: ['memfault'],
    parameters: [],
    async createDriver(context) {
      const inner = server.connect();
      let sink: BackgroundErrorSink | undefined;
      const driver: Driver = {
        name: inner.name,
        capabilities: inner.capabilities,
        reportErrorsTo: (given) => {
          sink = given;
        },
        provision: (queue) => inner.provision(queue),
        send: (queue, messages) => inner.send(queue, messages),
        receiver: (queue, options) => inner.receiver(queue, options),
        deadLetters: (queue) => inner.deadLetters(queue),
        stats: (queue) => inner.stats(queue),
        errorCode: (error) => inner.errorCode(error),
        native: () => inner.native(),
        close: (mode) => inner.close(mode),
      };
      brokers.set(driver, (queue) =>
        sink?.({ action: 'forward', queue, error: new Error(`publish to ${context.url.href} refused`) }),
      );
      return driver;
    },
  };
}

type Variant = (
  server: MemoryServer,
  brokers: Map<Broker | Driver, (queue: string) => void>,
) => BackgroundFault;

/** Runs E1 alone on the memory broker with the given fault; resolves with its outcome. */
async function runE1(variant: Variant | 'none'): Promise<{ skipped: string[]; run?: () => Promise<void> }> {
  const server = new MemoryServer();
  const brokers = new Map<Broker | Driver, (queue: string) => void>();
  const harness = {
    ...memoryHarness(server, { name: 'E1 rule', timeScale: 0.1 }),
    backgroundFault: variant === 'none' ? ('none' as const) : variant(server, brokers),
  };
  const registered: { title: string; run: () => Promise<void> }[] = [];
  const skipped: string[] = [];
  const api: TestApi = {
    describe: (_name, body) => body(),
    it: (title, run) => void registered.push({ title, run }),
    skip: (title) => void skipped.push(title),
  };
  backgroundErrorRules(new RuleRegistry(new SuiteContext(harness), api, { minWallTimeoutMs: 5_000 }));
  return registered[0] ? { skipped, run: registered[0].run } : { skipped };
}

/** Connects by URL with a password, so that core knows the secret to mask. */
function byUrl(server: MemoryServer, brokers: Map<Broker | Driver, (queue: string) => void>) {
  return async () => {
    const broker = await connect(`memfault://user:${SECRET}@host`, {
      adapters: { memfault: faultyAdapter(server, brokers) },
    });
    return { broker, secret: SECRET };
  };
}

/** The driver behind a broker connected by `byUrl` (the newest one). */
function failOf(brokers: Map<Broker | Driver, (queue: string) => void>): (queue: string) => void {
  return [...brokers.values()].at(-1)!;
}

describe('E1 rule: it passes only when the error really surfaces, complete and redacted', () => {
  it('passes when the driver reports the fault through its sink', async () => {
    const { run } = await runE1((server, brokers) => ({
      action: 'forward',
      connect: byUrl(server, brokers),
      inject: async (_broker, queue) => failOf(brokers)(queue),
    }));
    await run!();
  });

  it('fails when the injection never reaches the sink (a swallowed error)', async () => {
    const { run } = await runE1((server, brokers) => ({
      action: 'forward',
      connect: byUrl(server, brokers),
      inject: async () => undefined,
    }));
    await expect(run!()).rejects.toThrow(/Timed out .* waiting for a background error with action "forward"/);
  });

  it('fails when the report does not name the queue', async () => {
    const { run } = await runE1((server, brokers) => ({
      action: 'forward',
      connect: byUrl(server, brokers),
      inject: async () => failOf(brokers)('another-queue'),
    }));
    await expect(run!()).rejects.toThrow(/the report names the queue/);
  });

  it('fails when the error shows the connection secret (core was never told it: driver given directly)', async () => {
    const { run } = await runE1((server, brokers) => ({
      action: 'forward',
      connect: async () => {
        const driver = await faultyAdapter(server, brokers).createDriver({
          url: new URL(`memfault://user:${SECRET}@host`),
          redacted: 'memfault://user:***@host',
          params: new Map(),
        });
        return { broker: await connect({ driver }), secret: SECRET };
      },
      inject: async (_broker, queue) => failOf(brokers)(queue),
    }));
    await expect(run!()).rejects.toThrow(/shows the secret/);
  });

  it('is skipped naming the capability when the adapter declares no background work', async () => {
    const { skipped, run } = await runE1('none');
    expect(run).toBeUndefined();
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^E1 .*\[skip: backgroundWork\]$/);
  });
});
