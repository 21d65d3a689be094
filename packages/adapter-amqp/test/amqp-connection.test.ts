import type { BackgroundError, QueueTopology } from '@polyqueue/core/driver';
import { ErrorCode } from '@polyqueue/core/driver';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AmqpDriver } from '../src/amqp-driver.js';
import { amqpErrorCode } from '../src/amqp-errors.js';
import { type AmqpOptions, amqplibUrl, DEFAULT_OPTIONS } from '../src/amqp-options.js';
import { FakeBroker } from './fake-amqp.js';

/**
 * Connection faults on the in-process fake: a socket that drops while the connection opens, a
 * partition where RabbitMQ stops answering, and where the errors of work nobody awaits go. The
 * same faults through a real TCP proxy are in the fault tests.
 */
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};
const meta = (id: string) => ({ id, attemptOffset: 0, enqueuedAt: 1_000 });
const body = (text: string) => new TextEncoder().encode(text);

function driverFor(broker: FakeBroker, options: Partial<AmqpOptions> = {}): AmqpDriver {
  return new AmqpDriver({
    ...DEFAULT_OPTIONS,
    connectTimeoutMs: 2_000,
    reconnectMaxMs: 100,
    ...options,
    connect: broker.connect,
    redacted: 'amqp://fake',
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a connection that drops while it opens', () => {
  it('rejects the first connect with a retryable error instead of crashing the process', async () => {
    const broker = new FakeBroker();
    broker.resetOnOpen = true;
    const failure = await driverFor(broker)
      .open()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // Before the fix the 'error' came with no listener: an uncaught exception, the test run fails.
    expect(amqpErrorCode(failure)).toBe(ErrorCode.Unavailable);
  });

  it('a running driver reconnects through drops, and reports each failed attempt', async () => {
    const broker = new FakeBroker();
    const reports: BackgroundError[] = [];
    const driver = await driverFor(broker).open();
    driver.reportErrorsTo((report) => reports.push(report));
    await driver.provision(topology);
    broker.resetOnOpen = true;
    broker.dropConnections();
    // A send during the outage waits (up to connect_timeout_ms) while the driver reconnects.
    const sending = driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    await vi.waitFor(() => expect(reports.filter((r) => r.action === 'reconnect').length).toBeGreaterThan(1));
    broker.resetOnOpen = false;
    const [outcome] = await sending;
    expect(outcome).toEqual({ ok: true });
    expect(
      reports.some((r) => r.action === 'connection' && amqpErrorCode(r.error) === ErrorCode.Unavailable),
    ).toBe(true);
    await driver.close('graceful');
  });
});

describe('a partition where RabbitMQ stops answering', () => {
  it('fails a send whose confirm never comes with a retryable DeadlineExceeded after publish_timeout_ms', async () => {
    const broker = new FakeBroker();
    const driver = await driverFor(broker, { publishTimeoutMs: 5_000 }).open();
    await driver.provision(topology);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    broker.silent = true;
    const sending = driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    let settled = false;
    void sending.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const [outcome] = await sending;
    expect(outcome?.ok).toBe(false);
    expect(amqpErrorCode((outcome as { error: unknown }).error)).toBe(ErrorCode.DeadlineExceeded);
    await driver.close('abandon');
  });

  it('while a worker closes, an ack resolves only once RabbitMQ has handled it, and fails when it cannot tell', async () => {
    const broker = new FakeBroker();
    const driver = await driverFor(broker, { publishTimeoutMs: 5_000 }).open();
    await driver.provision(topology);
    await driver.send(topology, [
      { body: body('1'), attributes: {}, meta: meta('j1') },
      { body: body('2'), attributes: {}, meta: meta('j2') },
    ]);
    broker.log.length = 0;
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    const signal = new AbortController().signal;
    const deliveries = [];
    while (deliveries.length < 2) deliveries.push(...(await receiver.receive(2, signal)));
    await receiver.close(); // both still held: the channel stays open for their settlements
    await deliveries[0]!.ack(); // answered: resolves once the round trip came back
    expect(broker.log).toEqual(['ack:emails']);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    broker.silent = true;
    // An AMQP ack always returns a promise (it waits for the broker's confirmation).
    const acking = deliveries[1]!.ack()!.then(
      () => 'resolved',
      (error: unknown) => amqpErrorCode(error),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    // Not 'resolved': the job completed, but nothing proves RabbitMQ has its ack.
    await expect(acking).resolves.toBe(ErrorCode.DeadlineExceeded);
    await driver.close('abandon');
  });
});

describe('background errors', () => {
  it('reports a forward that could not be published (with its queue) instead of dropping it', async () => {
    const broker = new FakeBroker();
    const reports: BackgroundError[] = [];
    const driver = await driverFor(broker, { queueType: 'classic' }).open();
    driver.reportErrorsTo((report) => reports.push(report));
    await driver.provision(topology);
    await driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    const first = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    await first.receive(1, new AbortController().signal);
    broker.dropConnections(); // died holding it: a classic redelivery is forwarded as a copy
    broker.failPublishesTo = 'emails';
    const second = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    await second.receive(1, AbortSignal.timeout(1_000));
    await vi.waitFor(() =>
      expect(reports.map((r) => [r.action, r.queue])).toContainEqual(['forward', 'emails']),
    );
    await driver.close('abandon');
  });
});

describe('a consumer channel RabbitMQ closes', () => {
  it('is reported (consumer_timeout: PRECONDITION_FAILED), and the receiver consumes on a new channel', async () => {
    const broker = new FakeBroker();
    const reports: BackgroundError[] = [];
    const driver = await driverFor(broker).open();
    driver.reportErrorsTo((report) => reports.push(report));
    await driver.provision(topology);
    await driver.send(topology, [{ body: body('1'), attributes: {}, meta: meta('j1') }]);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    const [held] = await receiver.receive(1, new AbortController().signal);
    expect(held?.meta.id).toBe('j1');
    const consuming = broker.connections.flatMap((c) => c.channels).find((c) => c.consumers.size > 0)!;
    const timeout = Object.assign(
      new Error(
        'Channel closed by server: 406 (PRECONDITION-FAILED) with message "delivery acknowledgement timed out"',
      ),
      { code: 406 },
    );
    consuming.emit('error', timeout);
    consuming.shut(); // RabbitMQ requeues what the channel held
    const [again] = await receiver.receive(1, AbortSignal.timeout(2_000));
    expect(again?.meta.id).toBe('j1');
    expect(reports).toContainEqual({ action: 'consumer-channel', queue: 'emails', error: timeout });
    await driver.close('graceful');
  });
});

describe('a publishing channel RabbitMQ closes', () => {
  it('fails that send only: the next one goes out on a new confirm channel of the same connection', async () => {
    const broker = new FakeBroker();
    broker.maxMessageSize = 100;
    const driver = await driverFor(broker).open();
    await driver.provision(topology);
    const [tooBig] = await driver.send(topology, [
      { body: body('x'.repeat(200)), attributes: {}, meta: meta('big') },
    ]);
    expect(tooBig?.ok).toBe(false);
    const [next] = await driver.send(topology, [{ body: body('small'), attributes: {}, meta: meta('j1') }]);
    expect(next).toEqual({ ok: true });
    expect(broker.connections).toHaveLength(1);
    await driver.close('graceful');
  });
});

describe('heartbeat', () => {
  it('asks for a 15 s heartbeat unless the URL sets one', () => {
    expect(new URL(amqplibUrl(new URL('amqp://h/?queue_type=classic'))).searchParams.get('heartbeat')).toBe(
      '15',
    );
    expect(new URL(amqplibUrl(new URL('amqp://h/?heartbeat=5'))).searchParams.get('heartbeat')).toBe('5');
    expect(
      new URL(amqplibUrl(new URL('amqp://h/?publish_timeout_ms=1'))).searchParams.has('publish_timeout_ms'),
    ).toBe(false);
  });
});
