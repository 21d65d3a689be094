import { inspect } from 'node:util';
import { runConformance } from '@polyqueue/conformance';
import { connect, ErrorCode, UnsupportedFeatureError } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpHarness } from './amqp-harness.js';
import { ManagementFake } from './management-fake.js';
import { deleteEntities, RABBITMQ_URL, rawConnection, runPrefix } from './rabbitmq.js';

// The shared RabbitMQ runs no management plugin: the management API is ManagementFake, which
// answers the documented calls from rabbitmqctl's view of the same broker.
const PASSWORD = 'mgmt-s3cret-pw';
const prefix = runPrefix('mgmt');
const fake = await ManagementFake.start('ops', PASSWORD);
const managementUrl = (password: string) => `http://ops:${password}@127.0.0.1:${fake.port}`;
// The default cascade (32 levels): Q4's 60 s delays then take one pass and never come back to the
// work queue early (see the README on delays longer than a pass).
const base = `${RABBITMQ_URL}?queue_prefix=${prefix}`;
const url = `${base}&management_url=${encodeURIComponent(managementUrl(PASSWORD))}`;
const raw = await rawConnection();

afterAll(async () => {
  await raw.close().catch(() => undefined);
  await fake.close();
  await deleteEntities(prefix);
}, 120_000);

describe('amqp without management_url', () => {
  it('declares ready and deadLettered only, and cannot list queues', async () => {
    const broker = await connect(base);
    try {
      expect(broker.capabilities.stats).toEqual(['ready', 'deadLettered']);
      expect(broker.capabilities.listQueues).toBe(false);
      const queue = broker.queue('plain');
      await queue.send({ n: 1 });
      expect(await queue.stats()).toEqual({
        ready: 1,
        delayed: undefined,
        inFlight: undefined,
        deadLettered: 0,
      });
      await expect(broker.queues()).rejects.toBeInstanceOf(UnsupportedFeatureError);
    } finally {
      await broker.close();
    }
  });
});

describe('amqp with management_url', () => {
  it('declares inFlight too, and lists queues', async () => {
    const broker = await connect(url);
    try {
      expect(broker.capabilities.stats).toEqual(['ready', 'inFlight', 'deadLettered']);
      expect(broker.capabilities.listQueues).toBe(true);
    } finally {
      await broker.close();
    }
  });

  it('never shows the management password: not in the URL it prints, not in an error', async () => {
    const wrong = `${base}&management_url=${encodeURIComponent(managementUrl('wrong-pw-123'))}`;
    const broker = await connect(wrong);
    try {
      for (const shown of [String(broker), JSON.stringify(broker), inspect(broker)])
        expect(shown).not.toContain('wrong-pw-123');
      const error = await broker.queues().then(
        () => undefined,
        (e: unknown) => e as Error & { code?: unknown },
      );
      expect(error?.code).toBe(ErrorCode.PermissionDenied);
      expect(inspect(error, { depth: 5 })).not.toContain('wrong-pw-123');
    } finally {
      await broker.close();
    }
  });

  it('refuses a management_url that is not http(s)', async () => {
    await expect(connect(`${base}&management_url=ftp%3A%2F%2Fhost`)).rejects.toThrow(/management_url/);
  });
});

// Q4 (with inFlight) and Q5 through the management API: only those rules of the suite.
const harness = await amqpHarness(raw, prefix, 'quorum');
const probe = await connect(url);
const onlyQ4Q5 = (title: string) => /^Q[45] /.test(title);
runConformance(
  {
    ...harness,
    name: 'amqp (RabbitMQ, quorum queues, management API)',
    url,
    capabilities: probe.capabilities,
    connect: (options = {}) => connect(url, options),
  },
  {
    describe,
    it: (title, body, timeout) => (onlyQ4Q5(title) ? it(title, body, timeout) : undefined),
    skip: (title, body) => (onlyQ4Q5(title) ? it.skip(title, body) : undefined),
    afterAll,
  },
);
beforeAll(() => probe.close());
