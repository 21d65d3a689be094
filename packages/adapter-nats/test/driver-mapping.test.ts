import { ErrorCode, type JobMeta, type QueueTopology } from '@polyqueue/core/driver';
import { beforeEach, describe, expect, it } from 'vitest';
import { delayForwarder } from '../src/delay-forwarder.js';
import { MaxDeliveriesCopier } from '../src/max-deliveries-copier.js';
import { NatsDeadLetterStore } from '../src/nats-dead-letters.js';
import { NatsDelivery } from '../src/nats-delivery.js';
import { NatsDriver } from '../src/nats-driver.js';
import { FORWARDER_CONSUMER, maxDeliveriesAdvisory, queueNames, WORKER_CONSUMER } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { type QueueContext, queueContext } from '../src/queue-context.js';
import { clockAt, collecting, FakeClient, received } from './fake-client.js';

const NOW = 1_900_000_000_000;
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};
const names = queueNames('pq', 'emails');
const dlq = queueNames('pq', 'emails.dlq');
const body = new TextEncoder().encode('{"to":"a@b.c"}');
const meta: JobMeta = { id: 'job-1', attemptOffset: 0, enqueuedAt: NOW - 10 };

let client: FakeClient;
let driver: NatsDriver;
let queue: QueueContext;

beforeEach(async () => {
  client = new FakeClient();
  driver = new NatsDriver({ client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW) });
  queue = queueContext(
    { client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW), alive: () => true, errors: collecting([]) },
    topology,
  );
  await driver.provision(topology);
  client.log.length = 0;
});

describe('provision', () => {
  it('creates the work, delay and dead-letter streams and both durable consumers, MaxDeliver above maxAttempts', () => {
    expect([...client.streams.keys()].sort()).toEqual(
      ['pq_D_emails', 'pq_Q_emails', 'pq_Q_emails_2edlq', 'pq_U_emails'].sort(),
    );
    // The dedup ledger only expires its records, after the duplicate window.
    expect(client.streams.get('pq_U_emails')).toMatchObject({
      subject: 'pq.u.emails',
      limits: { maxAgeMs: DEFAULT_SETTINGS.dedupWindowMs },
    });
    expect(client.consumers.get(`pq_Q_emails/${WORKER_CONSUMER}`)).toEqual({
      stream: 'pq_Q_emails',
      name: WORKER_CONSUMER,
      filterSubject: 'pq.q.emails',
      ackWaitMs: 30_000,
      maxDeliver: 7,
    });
    expect(client.consumers.get(`pq_D_emails/${FORWARDER_CONSUMER}`)?.maxDeliver).toBe(-1);
  });
});

describe('send', () => {
  it('puts metadata in pq-* headers beside the attributes and maps dedupId to Nats-Msg-Id', async () => {
    const outcomes = await driver.send(topology, [
      { body, attributes: { tenant: 't1' }, meta: { ...meta, dedupId: 'welcome-42' } },
    ]);
    expect(outcomes).toEqual([{ ok: true }]);
    // First the claim in the dedup ledger, then the job.
    expect(client.published[0]).toMatchObject({ subject: 'pq.u.emails', msgId: 'welcome-42' });
    expect(client.published[1]).toEqual({
      subject: 'pq.q.emails',
      data: body,
      headers: {
        tenant: 't1',
        'pq-id': 'job-1',
        'pq-enqueued-at': String(NOW - 10),
        'pq-dedup-id': 'welcome-42',
      },
      msgId: 'welcome-42',
    });
  });

  it('sends a job due later to the delay stream, and a due one to the work stream', async () => {
    await driver.send(topology, [
      { body, attributes: {}, meta: { ...meta, notBefore: NOW + 1 } },
      { body, attributes: {}, meta: { ...meta, id: 'job-2', notBefore: NOW } },
    ]);
    expect(client.published.map((p) => p.subject)).toEqual(['pq.d.emails', 'pq.q.emails']);
  });

  it("returns the kept job's id for a duplicate dedupId even once the kept job was handled and left the stream", async () => {
    await driver.send(topology, [{ body, attributes: {}, meta: { ...meta, dedupId: 'd' } }]);
    await client.purge(names.stream); // the worker acked it: a WorkQueue stream deletes it
    const [outcome] = await driver.send(topology, [
      { body, attributes: {}, meta: { ...meta, id: 'job-2', dedupId: 'd' } },
    ]);
    expect(outcome).toEqual({ ok: true, duplicateOf: 'job-1' });
  });

  it('publishes a repeat under the kept id, so the copy stored when the first send died after its claim has the id both sends returned', async () => {
    // The first send claimed the dedupId and died before its publish reached the work stream.
    await client.publish(names.ledgerSubject, new Uint8Array(0), {
      headers: { 'pq-id': 'job-1' },
      msgId: 'd',
    });
    const [outcome] = await driver.send(topology, [
      { body, attributes: {}, meta: { ...meta, id: 'job-2', dedupId: 'd' } },
    ]);
    expect(outcome).toEqual({ ok: true, duplicateOf: 'job-1' });
    const stored = [...(client.stored.get(names.stream)?.values() ?? [])];
    expect(stored.map((m) => m.headers['pq-id'])).toEqual(['job-1']);
  });

  it("returns the kept job's id for a duplicate dedupId", async () => {
    await driver.send(topology, [{ body, attributes: {}, meta: { ...meta, dedupId: 'd' } }]);
    const [outcome] = await driver.send(topology, [
      { body, attributes: {}, meta: { ...meta, id: 'job-2', dedupId: 'd' } },
    ]);
    expect(outcome).toEqual({ ok: true, duplicateOf: 'job-1' });
  });

  it('fails alone, InvalidArgument, for an attribute NATS cannot carry or would interpret', async () => {
    const outcomes = await driver.send(topology, [
      { body, attributes: { note: 'two\nlines' }, meta },
      { body, attributes: { 'Nats-Msg-Id': 'x' }, meta: { ...meta, id: 'job-2' } },
      { body, attributes: {}, meta: { ...meta, id: 'job-3' } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : driver.errorCode(o.error)))).toEqual([
      ErrorCode.InvalidArgument,
      ErrorCode.InvalidArgument,
      'ok',
    ]);
  });

  it('rejects with NotFound when no stream exists for the queue', async () => {
    const missing = { ...topology, name: 'missing' };
    const error = await driver.send(missing, [{ body, attributes: {}, meta }]).catch((e: unknown) => e);
    expect(driver.errorCode(error)).toBe(ErrorCode.NotFound);
  });

  it('keeps a retryable per-message error when the stream exists but JetStream did not answer', async () => {
    const noResponders = Object.assign(new Error('jetstream is not enabled'), {
      name: 'JetStreamNotEnabled',
    });
    client.failPublishTo.set('pq.q.emails', noResponders);
    const [outcome] = await driver.send(topology, [{ body, attributes: {}, meta }]);
    expect(outcome?.ok).toBe(false);
    expect(driver.errorCode(!outcome!.ok ? outcome!.error : undefined)).toBe(ErrorCode.Unavailable);
  });
});

describe('delivery', () => {
  const headers = {
    'pq-id': 'job-1',
    'pq-enqueued-at': String(NOW - 10),
    'pq-attempt-offset': '2',
    tenant: 't1',
  };

  it('reads attempt offset, id and attributes, and the delivery count from the server', () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 4, headers, deliveryCount: 3 }));
    expect(delivery.meta).toMatchObject({ id: 'job-1', attemptOffset: 2, enqueuedAt: NOW - 10 });
    expect(delivery.attributes).toEqual({ tenant: 't1' });
    expect(delivery.deliveryCount).toBe(3);
  });

  it('gives a foreign message (no headers) its stream and sequence as id', () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 9 }));
    expect(delivery.meta).toEqual({ id: 'pq_Q_emails:9' });
  });

  it('retries a short backoff with a NAK delay, which counts the failed attempt as the delivery it was', async () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 4, headers }));
    await delivery.retry(1_500, 3);
    expect(client.log).toEqual(['nak #4 1500']);
  });

  it('retries a backoff longer than max_nak_delay_ms through the delay stream: publish, then ack', async () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 4, headers, deliveryCount: 1 }));
    await delivery.retry(DEFAULT_SETTINGS.maxNakDelayMs + 1, 3);
    expect(client.log).toEqual(['publish pq.d.emails', 'ack #4']);
    expect(client.published[0]?.headers).toMatchObject({
      'pq-id': 'job-1',
      'pq-attempt-offset': '3',
      'pq-not-before': String(NOW + DEFAULT_SETTINGS.maxNakDelayMs + 1),
      tenant: 't1',
    });
  });

  it('dead-letters by a confirmed publish with the record, then an ack; never an ack when the publish fails', async () => {
    const record = {
      reason: 'failed' as const,
      errorName: 'Error',
      errorMessage: 'line 1\nline 2 (100%)',
      errorStack: 'Error: x\n    at y',
      attempts: 5,
      sourceQueue: 'emails',
      failedAt: NOW,
    };
    await new NatsDelivery(queue, received(client, { seq: 4, headers })).deadLetter(record);
    expect(client.log).toEqual(['publish pq.q.emails_2edlq', 'ack #4']);
    expect(client.published[0]?.msgId).toBe('pq-dl:pq_Q_emails:4:job-1');
    expect(client.published[0]?.headers).toMatchObject({
      'pq-dl-reason': 'failed',
      'pq-dl-error-message': 'line 1%0Aline 2 (100%25)',
      'pq-dl-error-stack': 'Error: x%0A    at y',
      'pq-dl-attempts': '5',
      'pq-dl-source-queue': 'emails',
    });
    client.log.length = 0;
    client.failPublishTo.set('pq.q.emails_2edlq', new Error('down'));
    await expect(
      new NatsDelivery(queue, received(client, { seq: 5, headers })).deadLetter(record),
    ).rejects.toThrow('down');
    expect(client.log).toEqual(['publish pq.q.emails_2edlq']);
  });

  it('releases without costing an attempt: a copy whose offset leaves this delivery uncounted, then an ack', async () => {
    await new NatsDelivery(queue, received(client, { seq: 4, headers, deliveryCount: 2 })).release();
    expect(client.log).toEqual(['publish pq.q.emails', 'ack #4']);
    expect(client.published[0]?.headers['pq-attempt-offset']).toBe('3');
  });

  it('extends the lease with +WPI, and a second settlement is a no-op', async () => {
    const delivery = new NatsDelivery(queue, received(client, { seq: 4, headers }));
    await delivery.extendLease();
    await delivery.ack();
    await delivery.ack();
    await delivery.retry(10, 1);
    expect(client.log).toEqual(['working #4', 'ack #4']);
  });

  it('settles nothing once the driver is closed', async () => {
    const closed = { ...queue, alive: () => false };
    await new NatsDelivery(closed, received(client, { seq: 4, headers })).ack();
    expect(client.log).toEqual([]);
  });
});

describe('delay forwarder', () => {
  it('NAKs a job for exactly its remaining time, and forwards a due one (publish with its dedup id, then ack)', async () => {
    const notDue = received(client, {
      seq: 1,
      headers: { 'pq-id': 'a', 'pq-not-before': String(NOW + 700) },
    });
    const due = received(client, {
      seq: 2,
      headers: {
        'pq-id': 'b',
        'pq-not-before': String(NOW),
        'pq-attempt-offset': '1',
        'Nats-Msg-Id': 'user',
      },
    });
    client.deliver(names.delayStream, FORWARDER_CONSUMER, notDue);
    client.deliver(names.delayStream, FORWARDER_CONSUMER, due);
    const forwarder = delayForwarder(queue);
    forwarder.start();
    await until(() => client.log.includes('ack #2'));
    await forwarder.stop('graceful');
    expect(client.log).toContain('nak #1 700');
    expect(client.log.indexOf('publish pq.q.emails')).toBeLessThan(client.log.indexOf('ack #2'));
    expect(client.published[0]).toMatchObject({
      subject: 'pq.q.emails',
      msgId: 'pq-fwd:pq_D_emails:2',
      headers: { 'pq-id': 'b', 'pq-attempt-offset': '1' },
    });
    expect(client.published[0]?.headers).not.toHaveProperty('pq-not-before');
    expect(client.published[0]?.headers).not.toHaveProperty('Nats-Msg-Id');
  });

  it('NAKs instead of acking when the publish fails', async () => {
    client.failPublishTo.set('pq.q.emails', new Error('down'));
    client.deliver(
      names.delayStream,
      FORWARDER_CONSUMER,
      received(client, { seq: 3, headers: { 'pq-not-before': String(NOW - 1) } }),
    );
    const forwarder = delayForwarder(queue);
    forwarder.start();
    await until(() => client.log.some((line) => line.startsWith('nak #3')));
    await forwarder.stop('graceful');
    expect(client.log).not.toContain('ack #3');
  });
});

describe('MAX_DELIVERIES safety net', () => {
  it('copies the exhausted message to the dead-letter stream (reason exhausted), then deletes it', async () => {
    await client.publish(names.subject, body, { headers: { 'pq-id': 'job-1', 'pq-attempt-offset': '1' } });
    client.log.length = 0;
    const copier = new MaxDeliveriesCopier(queue);
    copier.start();
    client.emit(maxDeliveriesAdvisory(names.stream, WORKER_CONSUMER), { stream_seq: 1, deliveries: 7 });
    await copier.stop();
    expect(client.log).toEqual(['publish pq.q.emails_2edlq', 'delete pq_Q_emails#1']);
    expect(client.published.at(-1)?.headers).toMatchObject({
      'pq-id': 'job-1',
      'pq-dl-reason': 'exhausted',
      'pq-dl-attempts': '8',
      'pq-dl-source-queue': 'emails',
    });
    expect(client.published.at(-1)?.msgId).toBe('pq-dl:pq_Q_emails:1:job-1');
  });
});

describe('dead-letter store', () => {
  it('peeks without removing, redrives with the attempt count reset (publish, then delete), purges', async () => {
    const dlHeaders = {
      'pq-id': 'job-1',
      'pq-enqueued-at': String(NOW - 10),
      'pq-attempt-offset': '4',
      'pq-dl-reason': 'failed',
      'pq-dl-error-name': 'Error',
      'pq-dl-error-message': 'a%0Ab',
      'pq-dl-attempts': '5',
      'pq-dl-source-queue': 'emails',
      'pq-dl-failed-at': String(NOW),
      tenant: 't1',
    };
    await client.publish(dlq.subject, body, { headers: dlHeaders });
    await client.publish(dlq.subject, body, { headers: { ...dlHeaders, 'pq-id': 'job-2' } });
    const store = new NatsDeadLetterStore(queue);
    const letters = await store.peek(10);
    expect(letters.map((l) => l.meta.id)).toEqual(['job-1', 'job-2']);
    expect(letters[0]?.record).toMatchObject({ reason: 'failed', errorMessage: 'a\nb', attempts: 5 });
    expect(letters[0]?.attributes).toEqual({ tenant: 't1' });
    expect((await store.peek(10)).length).toBe(2);
    client.log.length = 0;
    expect(await store.redrive({ limit: 1 })).toBe(1);
    expect(client.log).toEqual(['publish pq.q.emails', 'delete pq_Q_emails_2edlq#1']);
    const redriven = client.published.at(-1)!;
    expect(redriven.headers).toEqual({ 'pq-id': 'job-1', 'pq-enqueued-at': String(NOW - 10), tenant: 't1' });
    expect(redriven.msgId).toBe('pq-redrive:pq_Q_emails_2edlq:1');
    expect(await store.purge()).toBe(1);
    expect(await store.peek(10)).toEqual([]);
  });
});

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}
