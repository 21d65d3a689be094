import { ErrorCode, type QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it, vi } from 'vitest';
import { AmqpDriver } from '../src/amqp-driver.js';
import { amqpErrorCode } from '../src/amqp-errors.js';
import { readMessage } from '../src/amqp-message.js';
import { delayRoute, levelPattern, NativeNames, targetWord } from '../src/amqp-names.js';
import { type AmqpOptions, DEFAULT_OPTIONS } from '../src/amqp-options.js';
import { FakeBroker } from './fake-amqp.js';

const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};
const meta = (id: string) => ({ id, attemptOffset: 0, enqueuedAt: 1_000 });
const body = (text: string) => new TextEncoder().encode(text);

async function driverOn(broker: FakeBroker, options: Partial<AmqpOptions> = {}): Promise<AmqpDriver> {
  return new AmqpDriver({
    ...DEFAULT_OPTIONS,
    connectTimeoutMs: 300,
    reconnectMaxMs: 100,
    ...options,
    connect: broker.connect,
    redacted: 'amqp://fake',
  }).open();
}

/** Takes one delivery from a fresh receiver on the queue. */
async function receiveOne(driver: AmqpDriver) {
  const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
  const [delivery] = await receiver.receive(1, new AbortController().signal);
  return { receiver, delivery: delivery! };
}

describe('delay cascade routing', () => {
  const names = new NativeNames('p-', 'quorum');

  it('writes the delay least significant bit first and enters at the highest set bit', () => {
    expect(delayRoute(names, 13, 'p-emails')).toEqual({
      exchange: 'p-polyqueue.delay.quorum.3',
      routingKey: '1.0.1.1.p-emails',
    });
    expect(delayRoute(names, 1, 'q')).toEqual({ exchange: 'p-polyqueue.delay.quorum.0', routingKey: '1.q' });
  });

  it('sums the set bits to exactly the delay', () => {
    for (const delay of [1, 2, 255, 1_000, 86_400_000, 2 ** 32 - 1]) {
      const bits = delayRoute(names, delay, 'q').routingKey.split('.').slice(0, -1);
      expect(bits.reduce((sum, bit, k) => sum + (bit === '1' ? 2 ** k : 0), 0)).toBe(delay);
    }
  });

  it('makes the queue one literal topic word, whatever its characters', () => {
    expect(targetWord('quickstart.emails')).toBe('quickstart%2Eemails');
    expect(targetWord('a*b#c%d')).toBe('a%2Ab%23c%25d');
  });

  it('matches bit k at level k', () => {
    expect(levelPattern(0, 1)).toBe('1.#');
    expect(levelPattern(3, 0)).toBe('*.*.*.0.#');
  });
});

describe('error codes', () => {
  it.each([
    [{ code: 404 }, ErrorCode.NotFound],
    [{ code: 312 }, ErrorCode.NotFound],
    [{ code: 403 }, ErrorCode.PermissionDenied],
    [{ code: 406 }, ErrorCode.InvalidArgument],
    [{ code: 320 }, ErrorCode.Unavailable],
    [{ code: 'ECONNREFUSED' }, ErrorCode.Unavailable],
    // A socket timeout is an unreachable peer (the kit's one table); our own waits are DeadlineExceeded.
    [{ code: 'ETIMEDOUT' }, ErrorCode.Unavailable],
    [{ code: 'AMQP_TIMEOUT' }, ErrorCode.DeadlineExceeded],
    [new Error('connect failed', { cause: { code: 'EHOSTUNREACH' } }), ErrorCode.Unavailable],
    [{ name: 'IllegalOperationError', message: 'Channel closed' }, ErrorCode.Unavailable],
    [new Error('channel closed'), ErrorCode.Unavailable],
    [new Error('something else'), ErrorCode.Unknown],
    [undefined, ErrorCode.Unknown],
  ])('%o -> %s', (error, code) => {
    expect(amqpErrorCode(error)).toBe(code);
  });
});

describe('reading a message', () => {
  const message = (
    headers: Record<string, unknown>,
    extra: { messageId?: string; redelivered?: boolean } = {},
  ) =>
    ({
      content: Buffer.from('{}'),
      fields: { deliveryTag: 1, redelivered: extra.redelivered ?? false, exchange: '', routingKey: 'q' },
      properties: { headers, messageId: extra.messageId },
    }) as never;

  it("keeps RabbitMQ's own headers out of the attributes and counts quorum deliveries", () => {
    const read = readMessage(
      message({
        'pq-id': 'job-1',
        'pq-attempt-offset': '2',
        tenant: Buffer.from('t1'),
        'x-death': [{ queue: 'polyqueue.delay.quorum.3', reason: 'expired', count: 1 }],
        'x-first-death-reason': 'expired',
        'x-delivery-count': 2,
      }),
    );
    expect(read.id).toBe('job-1');
    expect(read.meta.attemptOffset).toBe(2);
    expect(read.attributes).toEqual({ tenant: 't1' });
    expect(read.deliveryCount).toBe(3);
  });

  it("gives a foreign message its AMQP messageId, or a fresh id, as attempt 1's delivery", () => {
    expect(readMessage(message({}, { messageId: 'native-7' }))).toMatchObject({
      id: 'native-7',
      deliveryCount: 1,
    });
    expect(readMessage(message({})).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts a classic redelivery as a second delivery', () => {
    expect(readMessage(message({}, { redelivered: true })).deliveryCount).toBe(2);
  });
});

describe('provisioning', () => {
  it('declares a quorum work queue whose delivery limit sits just above maxAttempts, and its DLQ', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    expect(broker.queues.get('emails')?.arguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 6,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'emails.dlq',
      'x-dead-letter-strategy': 'at-least-once',
    });
    expect(broker.queues.get('emails.dlq')?.arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(broker.queues.get('polyqueue.delay.quorum.31')?.arguments).toMatchObject({
      'x-message-ttl': 2 ** 31,
      'x-dead-letter-exchange': 'polyqueue.delay.quorum.30',
    });
    await driver.provision(topology); // idempotent
    await driver.close('graceful');
  });

  it('keeps a queue declared earlier with another delivery limit instead of failing', async () => {
    const broker = new FakeBroker();
    const first = await driverOn(broker);
    await first.provision(topology);
    const second = await driverOn(broker);
    await expect(second.provision({ ...topology, maxAttempts: 9 })).resolves.toBeUndefined();
    expect(broker.queues.get('emails')?.arguments['x-delivery-limit']).toBe(6);
    await Promise.all([first.close('graceful'), second.close('graceful')]);
  });

  it('declares classic queues without quorum arguments', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker, { queueType: 'classic', queuePrefix: 'app-' });
    await driver.provision(topology);
    expect(broker.queues.get('app-emails')?.arguments).toEqual({ 'x-queue-type': 'classic' });
    expect(broker.queues.has('app-polyqueue.delay.classic.0')).toBe(true);
    await driver.close('graceful');
  });
});

describe('sending', () => {
  it('publishes persistent, mandatory messages with the metadata in pq- headers', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    const outcomes = await driver.send(topology, [
      { body: body('{"a":1}'), attributes: { tenant: 't1' }, meta: meta('j1') },
    ]);
    expect(outcomes).toEqual([{ ok: true }]);
    expect(broker.published.at(-1)).toMatchObject({
      exchange: '',
      routingKey: 'emails',
      options: {
        mandatory: true,
        messageId: 'j1',
        headers: { tenant: 't1', 'pq-id': 'j1', 'pq-enqueued-at': '1000' },
      },
    });
    await driver.close('graceful');
  });

  it('fails an unroutable publish (basic.return) with NotFound instead of dropping it', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    const [outcome] = await driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    expect(outcome?.ok).toBe(false);
    expect(driver.errorCode(outcome?.ok === false ? outcome.error : undefined)).toBe(ErrorCode.NotFound);
    await driver.close('graceful');
  });

  it('fails a delayed send to a missing queue with NotFound before it enters the cascade', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    const [outcome] = await driver.send(topology, [
      { body: body('1'), attributes: {}, meta: { ...meta('j1'), notBefore: Date.now() + 60_000 } },
    ]);
    expect(outcome?.ok === false && driver.errorCode(outcome.error)).toBe(ErrorCode.NotFound);
    expect(broker.published).toEqual([]);
    await driver.close('graceful');
  });

  it('routes a delayed send into the cascade at the level of its highest bit', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    await driver.send(topology, [
      { body: body('1'), attributes: {}, meta: { ...meta('j1'), notBefore: Date.now() + 60_000 } },
    ]);
    const published = broker.published.at(-1)!;
    expect(published.exchange).toMatch(/^polyqueue\.delay\.quorum\.(15|16)$/); // 2^15 <= ~60,000 < 2^16
    expect(published.routingKey.endsWith('.emails')).toBe(true);
    await driver.close('graceful');
  });

  it("waits for amqplib's write buffer to drain before publishing the next batch", async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    broker.congested = true;
    const first = Date.now();
    await driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    broker.congested = false;
    await driver.send(topology, [{ body: body('2'), attributes: {}, meta: meta('j2') }]);
    expect(Date.now() - first).toBeGreaterThanOrEqual(45);
    expect(broker.queues.get('emails')?.messages).toHaveLength(2);
    await driver.close('graceful');
  });

  it('rejects a send made while RabbitMQ stays down with a retryable error', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    broker.up = false;
    broker.dropConnections();
    const sending = driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    await expect(sending).rejects.toSatisfy((error) => driver.errorCode(error) === ErrorCode.Unavailable);
    await driver.close('abandon');
  });

  it('completes a send made during an outage once the connection is back', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker, { connectTimeoutMs: 5_000 });
    await driver.provision(topology);
    broker.up = false;
    broker.dropConnections();
    const sending = driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    setTimeout(() => {
      broker.up = true;
    }, 150);
    await expect(sending).resolves.toEqual([{ ok: true }]);
    expect(broker.queues.get('emails')?.messages).toHaveLength(1);
    await driver.close('graceful');
  });
});

describe('settling', () => {
  async function withJob(options: Partial<AmqpOptions> = {}) {
    const broker = new FakeBroker();
    const driver = await driverOn(broker, options);
    await driver.provision(topology);
    await driver.send(topology, [{ body: body('{"n":1}'), attributes: { tenant: 't1' }, meta: meta('j1') }]);
    broker.log.length = 0;
    broker.published.length = 0;
    return { broker, driver, ...(await receiveOne(driver)) };
  }

  it('retry publishes the copy (confirmed) before acking the original, with the attempt carried', async () => {
    const { broker, driver, delivery } = await withJob();
    await delivery.retry(0, 1);
    await vi.waitFor(() => expect(broker.log).toEqual(['publish:emails', 'ack:emails']));
    expect(broker.published[0]?.options.headers).toMatchObject({
      'pq-id': 'j1',
      'pq-attempt-offset': '1',
      tenant: 't1',
    });
    await driver.close('graceful');
  });

  it('retry with a backoff goes through the cascade, then acks', async () => {
    const { broker, driver, delivery } = await withJob();
    await delivery.retry(250, 2);
    await vi.waitFor(() => expect(broker.log).toEqual(['publish:polyqueue.delay.quorum.7', 'ack:emails']));
    expect(broker.published[0]?.routingKey).toMatch(/^[01](\.[01]){7}\.emails$/);
    await driver.close('graceful');
  });

  it('gives the original back (nack, requeue) and rejects when the copy cannot be published', async () => {
    const { broker, driver, delivery } = await withJob();
    broker.failPublishesTo = 'emails';
    await expect(delivery.retry(0, 1)).rejects.toThrow('nacked');
    expect(broker.log).toEqual(['nack:emails']);
    await driver.close('graceful');
  });

  it('dead-letters to the DLQ with pq-dl- metadata, then acks', async () => {
    const { broker, driver, delivery } = await withJob();
    await delivery.deadLetter({
      reason: 'failed',
      errorName: 'Error',
      errorMessage: 'boom',
      attempts: 5,
      sourceQueue: 'emails',
      failedAt: 42,
    });
    await vi.waitFor(() => expect(broker.log).toEqual(['publish:emails.dlq', 'ack:emails']));
    expect(broker.published[0]?.options.headers).toMatchObject({
      tenant: 't1',
      'pq-dl-reason': 'failed',
      'pq-dl-error-message': 'boom',
      'pq-dl-attempts': '5',
      'pq-dl-source-queue': 'emails',
    });
    await driver.close('graceful');
  });

  it('release republishes with the attempts already used, so it costs no attempt', async () => {
    const { broker, driver, delivery } = await withJob();
    await delivery.release();
    await vi.waitFor(() => expect(broker.log).toEqual(['publish:emails', 'ack:emails']));
    expect(broker.published[0]?.options.headers?.['pq-attempt-offset']).toBeUndefined();
    await driver.close('graceful');
  });

  it('a second settlement is a no-op', async () => {
    const { broker, driver, delivery } = await withJob();
    await delivery.ack();
    await delivery.ack();
    await delivery.retry(0, 1);
    await vi.waitFor(() => expect(broker.log).toEqual(['ack:emails']));
    await driver.close('graceful');
  });

  it('acks a run of jobs settled together with one multiple ack, and out-of-order ones singly', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    const items = [1, 2, 3, 4].map((n) => ({ body: body(String(n)), attributes: {}, meta: meta(`j${n}`) }));
    await driver.send(topology, items);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 8 });
    const signal = new AbortController().signal;
    const deliveries = [];
    while (deliveries.length < 4) deliveries.push(...(await receiver.receive(4, signal)));
    await Promise.all([deliveries[0]!.ack(), deliveries[1]!.ack(), deliveries[3]!.ack()]);
    await vi.waitFor(() => expect(broker.ackFrames).toEqual([{ multiple: true }, { multiple: false }]));
    expect(broker.queues.get('emails')?.messages).toHaveLength(0);
    await driver.close('abandon');
    expect(broker.queues.get('emails')?.messages).toHaveLength(1); // only the unacked third job
  });

  it('publishes no copy for a retry settled after its connection was lost (the job comes back anyway)', async () => {
    const { broker, driver, delivery } = await withJob();
    broker.dropConnections();
    await delivery.retry(0, 1);
    expect(broker.published).toEqual([]);
    const again = await receiveOne(driver);
    expect(again.delivery.meta.id).toBe('j1');
    await driver.close('graceful');
  });

  it('never acks on a new channel a delivery from a lost connection; the job comes back', async () => {
    const { broker, driver, delivery } = await withJob();
    broker.dropConnections();
    await delivery.ack();
    expect(broker.log).toEqual([]);
    const again = await receiveOne(driver);
    expect(again.delivery.meta.id).toBe('j1');
    expect(again.delivery.deliveryCount).toBe(2);
    await again.delivery.ack();
    await vi.waitFor(() => expect(broker.log).toEqual(['ack:emails']));
    await driver.close('graceful');
  });

  it('resolves receive with nothing when the abort comes while it is still starting', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    await receiver.receive(4, AbortSignal.timeout(20)); // consuming, on an empty queue
    const controller = new AbortController();
    const receiving = receiver.receive(4, controller.signal);
    controller.abort(); // before receive has reached its wait: a worker closing right then
    await expect(receiving).resolves.toEqual([]);
    await driver.close('graceful');
  });

  it('resolves receive with nothing soon after an abort, even while RabbitMQ is down', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker, { connectTimeoutMs: 60_000 });
    await driver.provision(topology);
    broker.up = false;
    broker.dropConnections();
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    const controller = new AbortController();
    const receiving = receiver.receive(4, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(receiving).resolves.toEqual([]);
    await driver.close('abandon');
  });

  it('on classic queues, writes a crashed attempt into a copy, handed out only once the original is acked', async () => {
    const { broker, driver } = await withJob({ queueType: 'classic' });
    broker.dropConnections(); // the consumer died holding the job
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    const signal = AbortSignal.timeout(2_000);
    let delivered = await receiver.receive(1, signal);
    while (delivered.length === 0 && !signal.aborted) delivered = await receiver.receive(1, signal);
    // Handed out before that ack, a crash of the copy's handler would bring back both (R6).
    expect(broker.log).toEqual(['publish:emails', 'ack:emails']);
    expect(delivered[0]?.meta).toMatchObject({ id: 'j1', attemptOffset: 1 });
    expect(delivered[0]?.deliveryCount).toBe(1);
    await driver.close('graceful');
  });
});

describe('dead-letter queue', () => {
  const record = {
    reason: 'failed' as const,
    errorName: 'Error',
    errorMessage: 'boom',
    attempts: 5,
    sourceQueue: 'emails',
    failedAt: 42,
  };

  async function withDeadLetters(count: number) {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology);
    for (let n = 1; n <= count; n++) {
      await driver.send(topology, [
        { body: body(String(n)), attributes: { tenant: 't1' }, meta: meta(`j${n}`) },
      ]);
      const { delivery, receiver } = await receiveOne(driver);
      await delivery.deadLetter(record);
      await receiver.close();
    }
    await vi.waitFor(() => expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(count));
    return { broker, driver, store: driver.deadLetters(topology) };
  }

  it('peeks without removing, with the record decoded from pq-dl- headers', async () => {
    const { broker, driver, store } = await withDeadLetters(3);
    const first = await store.peek(2);
    expect(first.map((letter) => letter.meta.id)).toEqual(['j1', 'j2']);
    expect(first[0]).toMatchObject({ attributes: { tenant: 't1' }, record });
    expect((await store.peek(10)).map((letter) => letter.meta.id)).toEqual(['j1', 'j2', 'j3']);
    expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(3);
    await driver.close('graceful');
  });

  it('redrives to the source queue with the attempt count reset and no dead-letter fields', async () => {
    const { broker, driver, store } = await withDeadLetters(3);
    broker.published.length = 0;
    expect(await store.redrive({ limit: 2 })).toBe(2);
    expect(broker.queues.get('emails')?.messages).toHaveLength(2);
    expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(1);
    const headers = broker.published[0]?.options.headers ?? {};
    expect(headers).toMatchObject({ 'pq-id': 'j1', tenant: 't1' });
    expect(
      Object.keys(headers).filter((name) => name.startsWith('pq-dl-') || name === 'pq-attempt-offset'),
    ).toEqual([]);
    expect(await store.redrive({})).toBe(1);
    await driver.close('graceful');
  });

  it('purges and says how many', async () => {
    const { broker, driver, store } = await withDeadLetters(2);
    expect(await store.purge()).toBe(2);
    expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(0);
    await driver.close('graceful');
  });
});
