import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KNOWN_ADAPTER_PACKAGES } from '../src/config/known-adapters.js';
import type { AdapterModule } from '../src/driver/index.js';
import { ConfigError, connect, MemoryServer, MissingAdapterError } from '../src/index.js';

const SECRET = 's3cr3t-pw';

describe('connect(url): the URL registry', () => {
  it('rejects a malformed URL with a ConfigError that does not echo its credentials', async () => {
    const error = await connect(`amqp//guest:${SECRET}@host`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/Not a valid queue URL/);
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET);
  });

  it('rejects an unknown scheme and lists the known ones', async () => {
    const error = await connect('kafka://broker:9092').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Unknown scheme "kafka:\/\/"/);
    for (const scheme of ['memory', 'amqp', 'amqps', 'nats', 'sqs', 'pubsub', 'servicebus']) {
      expect((error as Error).message).toContain(scheme);
    }
  });

  it('names the package to install when an adapter is missing', async () => {
    const error = await connect('kafka://broker', {
      adapters: { kafka: '@polyqueue/adapter-that-is-not-installed' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingAdapterError);
    expect((error as MissingAdapterError).packageName).toBe('@polyqueue/adapter-that-is-not-installed');
    expect((error as Error).message).toContain('npm install @polyqueue/adapter-that-is-not-installed');
  });

  it('maps every built-in scheme to its adapter package', () => {
    expect(KNOWN_ADAPTER_PACKAGES).toEqual({
      amqp: '@polyqueue/adapter-amqp',
      amqps: '@polyqueue/adapter-amqp',
      nats: '@polyqueue/adapter-nats',
      sqs: '@polyqueue/adapter-sqs',
      pubsub: '@polyqueue/adapter-pubsub',
      servicebus: '@polyqueue/adapter-servicebus',
      redis: '@polyqueue/adapter-redis',
      rediss: '@polyqueue/adapter-redis',
      postgres: '@polyqueue/adapter-postgres',
      postgresql: '@polyqueue/adapter-postgres',
      sqlite: '@polyqueue/adapter-postgres',
    });
  });

  it('rejects an unknown parameter by name, with the URL redacted', async () => {
    const error = await connect(
      `memory://ns-${Date.now()}?max_message_bytes=10&bogus=1&token=${SECRET}`,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Unknown parameter "bogus"/);
    expect((error as Error).message).toContain('max_message_bytes');
    expect(inspect(error, { depth: 5 })).not.toContain(SECRET);
  });

  it('never shows credentials in inspect, toJSON, toString or errors of a connected broker', async () => {
    const fake: AdapterModule = {
      schemes: ['fake'],
      parameters: ['region'],
      createDriver: async (context) => {
        expect(context.url.password).toBe(SECRET);
        expect(context.redacted).not.toContain(SECRET);
        return new MemoryServer().connect();
      },
    };
    const broker = await connect(`fake://user:${SECRET}@host:1234/vhost?region=eu`, { adapters: { fake } });
    expect(inspect(broker)).not.toContain(SECRET);
    expect(JSON.stringify(broker)).not.toContain(SECRET);
    expect(String(broker)).not.toContain(SECRET);
    expect(String(broker)).toContain('fake://');
    await broker.close();
  });

  it('loads third-party adapters lazily from a loader function', async () => {
    let loaded = 0;
    const broker = await connect('custom://x', {
      adapters: {
        custom: async () => {
          loaded++;
          return {
            schemes: ['custom'],
            parameters: [],
            createDriver: async () => new MemoryServer().connect(),
          };
        },
      },
    });
    expect(loaded).toBe(1);
    expect(broker.adapter).toBe('memory');
    await broker.close();
  });

  it('shares one memory server per namespace, and refuses conflicting settings', async () => {
    const ns = `shared-${Date.now()}`;
    const a = await connect(`memory://${ns}?max_message_bytes=2048`);
    const b = await connect(`memory://${ns}?max_message_bytes=2048`);
    await a.queue('q').send('hello');
    expect((await b.queue('q').stats()).ready).toBe(1);
    await expect(connect(`memory://${ns}?max_message_bytes=4096`)).rejects.toBeInstanceOf(ConfigError);
    await expect(connect(`memory://${ns}-2?max_message_bytes=-3`)).rejects.toThrow(/whole number/);
    await a.close();
    await b.close();
  });

  it('validates queue options at definition time', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    expect(() => broker.queue('bad name!')).toThrow(ConfigError);
    expect(() => broker.queue('q', { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => broker.queue('q', { leaseMs: 0 })).toThrow(/leaseMs/);
    expect(() => broker.queue('q', { backoff: { type: 'fixed', delayMs: -1 } })).toThrow(/delayMs/);
    expect(() => broker.queue('q', { deadLetterQueue: 'q' })).toThrow(/dead-letter/);
    expect(() => broker.queue('q').process(() => {}, { concurrency: 0 })).toThrow(/concurrency/);
    await expect(connect({})).rejects.toBeInstanceOf(ConfigError);
    await broker.close();
  });

  it('masks credentials that a failing adapter quotes in its own error', async () => {
    const leaky: AdapterModule = {
      schemes: ['leaky'],
      parameters: [],
      createDriver: async (context) => {
        const error = new Error(`connect ECONNREFUSED ${context.url.href}`);
        Object.assign(error, { code: 'ECONNREFUSED' });
        throw error;
      },
    };
    const error = await connect(`leaky://user:${SECRET}@host`, { adapters: { leaky } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'Unavailable', retryable: true });
    expect(inspect(error, { depth: 6 })).not.toContain(SECRET);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('masks credentials in worker errors and log lines', async () => {
    const server = new MemoryServer();
    const leaky: AdapterModule = {
      schemes: ['leaky'],
      parameters: [],
      createDriver: async (context) => {
        const inner = server.connect();
        return Object.assign(Object.create(null), {
          name: 'leaky',
          capabilities: inner.capabilities,
          provision: async () => {},
          send: inner.send.bind(inner),
          receiver: () => ({
            receive: async () => {
              throw new Error(`lost connection to ${context.url.href}`);
            },
            close: async () => {},
          }),
          deadLetters: inner.deadLetters.bind(inner),
          stats: inner.stats.bind(inner),
          errorCode: () => 'Unavailable' as const,
          native: () => null,
          close: async () => {},
        });
      },
    };
    const logged: string[] = [];
    const logger = {
      warn: (m: string, d?: unknown) => logged.push(m, inspect(d)),
      error: (m: string, d?: unknown) => logged.push(m, inspect(d)),
    };
    const broker = await connect(`leaky://user:${SECRET}@host`, { adapters: { leaky }, logger });
    const worker = broker.queue('q').process(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const events: Error[] = [];
    worker.on('error', (e) => events.push(e));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.close();
    expect(logged.join('\n')).toContain('lost connection');
    expect(logged.join('\n')).not.toContain(SECRET);
    expect(events.length).toBeGreaterThan(0);
    expect(inspect(events, { depth: 6 })).not.toContain(SECRET);
    await broker.close();
  });
});
