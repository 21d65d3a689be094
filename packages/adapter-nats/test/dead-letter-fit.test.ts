import type { BackgroundError, DeadLetterRecord, QueueTopology } from '@polyqueue/core/driver';
import { beforeEach, describe, expect, it } from 'vitest';
import { BODY_REF_HEADER, CUT_MARK } from '../src/dead-letter-copy.js';
import { MaxDeliveriesCopier } from '../src/max-deliveries-copier.js';
import { NatsDeadLetterStore } from '../src/nats-dead-letters.js';
import { NatsDelivery } from '../src/nats-delivery.js';
import { maxDeliveriesAdvisory, queueNames, WORKER_CONSUMER } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { type QueueContext, queueContext } from '../src/queue-context.js';
import { clockAt, collecting, FakeClient, received } from './fake-client.js';

const NOW = 1_900_000_000_000;
const MAX_PAYLOAD = 64 * 1024;
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 3,
};
const names = queueNames('pq', 'emails');
const dlq = queueNames('pq', 'emails.dlq');

let client: FakeClient;
let queue: QueueContext;
let reports: BackgroundError[];

beforeEach(async () => {
  client = new FakeClient();
  client.maxPayload = MAX_PAYLOAD;
  reports = [];
  queue = queueContext(
    {
      client,
      settings: DEFAULT_SETTINGS,
      clock: clockAt(NOW),
      alive: () => true,
      errors: collecting(reports),
    },
    topology,
  );
  for (const n of [names, dlq])
    await client.ensureStream({ name: n.stream, subject: n.subject, duplicateWindowMs: 1 });
  client.log.length = 0;
});

const failure = (size: { message?: number; stack?: number } = {}): DeadLetterRecord => ({
  reason: 'failed',
  errorName: 'Error',
  errorMessage: `boom ${'m'.repeat(size.message ?? 10)}`,
  errorStack: `Error: boom\n${'    at frame (file.js:1:1)\n'.repeat(Math.ceil((size.stack ?? 100) / 28))}`,
  attempts: 1,
  sourceQueue: 'emails',
  failedAt: NOW,
});

/** A JSON text of `bytes` bytes, as a foreign producer would send. */
const jsonOf = (bytes: number) => `{"p":"${'x'.repeat(bytes - 8)}"}`;
const bodyOf = (bytes: number) => new TextEncoder().encode(jsonOf(bytes));

describe('a dead-letter copy always fits in max_payload', () => {
  it('cuts the error stack first, keeping the message and the body, when the record is what does not fit', async () => {
    const body = bodyOf(40_000);
    const delivery = new NatsDelivery(
      queue,
      received(client, { seq: 1, data: jsonOf(40_000), headers: { tenant: 't' } }),
    );
    await delivery.deadLetter(failure({ stack: 60_000 }));
    expect(client.log).toEqual(['publish pq.q.emails_2edlq', 'ack #1']);
    const [letter] = await new NatsDeadLetterStore(queue).peek(10);
    expect(letter?.body).toEqual(body);
    expect(letter?.attributes).toEqual({ tenant: 't' });
    expect(letter?.record?.errorMessage).toBe(failure().errorMessage);
    expect(letter?.record?.errorStack?.endsWith(CUT_MARK)).toBe(true);
    expect(letter?.record?.errorStack?.startsWith('Error: boom\n    at frame')).toBe(true);
  });

  it('then cuts the error message, once the stack is gone', async () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 1, data: '{}' }));
    await delivery.deadLetter(failure({ message: 200_000, stack: 1_000 }));
    const [letter] = await new NatsDeadLetterStore(queue).peek(10);
    expect(letter?.record?.errorStack).toBeUndefined();
    expect(letter?.record?.errorMessage.startsWith('boom mmm')).toBe(true);
    expect(letter?.record?.errorMessage.endsWith(CUT_MARK)).toBe(true);
  });

  it('moves a body that leaves no room for the record to the body stream; peek reads it back', async () => {
    // A foreign message exactly at max_payload: no header of polyqueue's can be added to it.
    const body = bodyOf(MAX_PAYLOAD);
    const delivery = new NatsDelivery(queue, received(client, { seq: 7, data: jsonOf(MAX_PAYLOAD) }));
    await delivery.deadLetter(failure({ message: 100_000, stack: 5_000 }));
    const record = client.published.find((p) => p.subject === dlq.subject)!;
    const token = record.headers[BODY_REF_HEADER];
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(client.log).toEqual([
      `stream ${dlq.bodyStream}`,
      `publish ${dlq.bodySubject}.${token}`,
      'publish pq.q.emails_2edlq',
      'ack #7',
    ]);
    expect(record.data).toHaveLength(0);
    expect(record.msgId).toBe('pq-dl:pq_Q_emails:7:pq_Q_emails:7');
    const [letter] = await new NatsDeadLetterStore(queue).peek(10);
    expect(letter?.body).toEqual(body);
    expect(letter?.meta.id).toBe('pq_Q_emails:7');
    expect(letter?.record).toMatchObject({ reason: 'failed', attempts: 1, sourceQueue: 'emails' });
    expect(letter?.record?.errorMessage.endsWith(CUT_MARK)).toBe(true);
  });

  it('redrives a split letter with its body (as it came: no room for headers) and deletes both parts', async () => {
    const body = bodyOf(MAX_PAYLOAD);
    const delivery = new NatsDelivery(queue, received(client, { seq: 7, data: jsonOf(MAX_PAYLOAD) }));
    await delivery.deadLetter(failure());
    client.log.length = 0;
    expect(await new NatsDeadLetterStore(queue).redrive({})).toBe(1);
    expect(client.log).toEqual([
      'publish pq.q.emails',
      `delete ${dlq.stream}#1`,
      `delete ${dlq.bodyStream}#1`,
    ]);
    expect(client.published.at(-1)?.data).toEqual(body);
  });

  it('the MAX_DELIVERIES copier splits the same way, then deletes the original', async () => {
    const body = bodyOf(MAX_PAYLOAD);
    await client.publish(names.subject, body, { headers: {} });
    const copier = new MaxDeliveriesCopier(queue);
    copier.start();
    client.emit(maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER), { stream_seq: 1, deliveries: 5 });
    await until(() => client.log.includes(`delete ${names.stream}#1`));
    await copier.stop();
    const [letter] = await new NatsDeadLetterStore(queue).peek(10);
    expect(letter?.body).toEqual(body);
    expect(letter?.record).toMatchObject({ reason: 'exhausted', attempts: 5 });
    expect(reports).toEqual([]);
  });
});

describe('duplicate dead letters', () => {
  it.each([
    ['fits', 100],
    ['split', MAX_PAYLOAD],
  ])(
    'a dead-letter copy of the same delivery made twice (its ack lost under a server kill) is stored once (%s)',
    async (_, size) => {
      for (let i = 0; i < 2; i++)
        await new NatsDelivery(queue, received(client, { seq: 5, data: jsonOf(size) })).deadLetter(failure());
      expect(await new NatsDeadLetterStore(queue).peek(10)).toHaveLength(1);
      expect(client.stored.get(dlq.bodyStream)?.size ?? 0).toBe(size === MAX_PAYLOAD ? 1 : 0);
    },
  );
});

describe('background errors go to the driver sink, never nowhere', () => {
  it('a failed MAX_DELIVERIES copy is reported (copy-exhausted) and the message is left, not deleted', async () => {
    await client.publish(names.subject, bodyOf(100), { headers: {} });
    const down = new Error('dead-letter stream unavailable');
    client.failPublishTo.set(dlq.subject, down);
    const copier = new MaxDeliveriesCopier(queue);
    copier.start();
    client.emit(maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER), { stream_seq: 1, deliveries: 5 });
    await until(() => reports.length > 0);
    await copier.stop();
    expect(reports[0]).toEqual({ action: 'copy-exhausted', queue: 'emails', error: down });
    expect(client.log).not.toContain(`delete ${names.stream}#1`);
  });

  it('an error on the advisory subscription is reported (advisory-subscription)', async () => {
    const copier = new MaxDeliveriesCopier(queue);
    copier.start();
    const denied = new Error('Permissions Violation for Subscription');
    client.subscriptionErrors.get(maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER))?.(denied);
    await copier.stop();
    expect(reports).toEqual([{ action: 'advisory-subscription', queue: 'emails', error: denied }]);
  });
});

describe('dead-letter store', () => {
  it('peek, redrive and purge of a dead-letter stream that does not exist fail NotFound (not an empty answer)', async () => {
    const missing = queueContext(
      { client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW), alive: () => true, errors: collecting([]) },
      { ...topology, name: 'nowhere', deadLetterName: 'nowhere.dlq' },
    );
    const store = new NatsDeadLetterStore(missing);
    await expect(store.peek(10)).rejects.toMatchObject({ name: 'StreamNotFoundError' });
    await expect(store.redrive({})).rejects.toMatchObject({ name: 'StreamNotFoundError' });
  });

  it('redrive moves a job once when the dead-letter stream holds two copies of it', async () => {
    const headers = { 'pq-id': 'job-1', 'pq-enqueued-at': String(NOW), 'pq-dl-reason': 'failed' };
    await client.publish(dlq.subject, bodyOf(50), { headers });
    await client.publish(dlq.subject, bodyOf(50), { headers: { ...headers, 'pq-id': 'job-2' } });
    await client.publish(dlq.subject, bodyOf(50), { headers });
    client.log.length = 0;
    expect(await new NatsDeadLetterStore(queue).redrive({})).toBe(2);
    expect(client.log.filter((line) => line.startsWith('publish'))).toHaveLength(2);
    expect(client.log.filter((line) => line.startsWith('delete'))).toHaveLength(3);
    expect(await new NatsDeadLetterStore(queue).peek(10)).toEqual([]);
  });
});

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}
