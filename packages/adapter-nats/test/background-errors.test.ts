import type { BackgroundError, QueueTopology } from '@polyqueue/core/driver';
import { beforeEach, describe, expect, it } from 'vitest';
import { delayForwarder } from '../src/delay-forwarder.js';
import type { PullBatch } from '../src/nats-client.js';
import { NatsDriver } from '../src/nats-driver.js';
import { FORWARDER_CONSUMER, queueNames } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { queueContext } from '../src/queue-context.js';
import { clockAt, collecting, FakeClient, received } from './fake-client.js';

const NOW = 1_900_000_000_000;
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 3,
};
const names = queueNames('pq', 'emails');

/** A client whose pulls on the delay stream fail, as while JetStream is away. */
class FailingPulls extends FakeClient {
  readonly pullError = Object.assign(new Error('consumer deleted'), {
    name: 'JetStreamStatusError',
    code: 409,
  });
  override async pull(
    stream: string,
    consumer: string,
    options: { maxMessages: number },
  ): Promise<PullBatch> {
    if (stream === names.delayStream) throw this.pullError;
    return super.pull(stream, consumer, options);
  }
}

let reports: BackgroundError[];

beforeEach(() => {
  reports = [];
});

describe('the driver reports its background work through reportErrorsTo', () => {
  it('a failing forwarder pull (forward-pull) reaches the sink core gave, with the action and the logical queue', async () => {
    const client = new FailingPulls();
    const driver = new NatsDriver({ client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW) });
    driver.reportErrorsTo((report) => reports.push(report));
    await driver.provision(topology);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 8 });
    const stop = new AbortController();
    const receiving = receiver.receive(8, stop.signal);
    await until(() => reports.length > 0);
    stop.abort();
    await receiving;
    await receiver.close();
    await driver.close('graceful');
    expect(reports[0]).toEqual({ action: 'forward-pull', queue: 'emails', error: client.pullError });
  });

  it("the connection's asynchronous errors (a server -ERR, a slow consumer) reach the sink as 'connection'", async () => {
    const client = new FakeClient();
    const driver = new NatsDriver({ client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW) });
    driver.reportErrorsTo((report) => reports.push(report));
    const error = new Error('Permissions Violation for Publish to "x"');
    for (const listener of client.errorListeners) listener(error);
    expect(reports).toEqual([{ action: 'connection', error }]);
    await driver.close('graceful');
  });

  it('a driver used without a broker (no sink yet) does not crash on a background error', async () => {
    const client = new FakeClient();
    const driver = new NatsDriver({ client, settings: DEFAULT_SETTINGS, clock: clockAt(NOW) });
    expect(() => {
      for (const listener of client.errorListeners) listener(new Error('x'));
    }).not.toThrow();
    await driver.close('graceful');
  });
});

describe('delay forwarder', () => {
  it('reports a failed forward (action forward) and NAKs the job back, never acks it', async () => {
    const client = new FakeClient();
    const queue = queueContext(
      {
        client,
        settings: DEFAULT_SETTINGS,
        clock: clockAt(NOW),
        alive: () => true,
        errors: collecting(reports),
      },
      topology,
    );
    const down = new Error('work stream unavailable');
    client.failPublishTo.set(names.subject, down);
    client.deliver(
      names.delayStream,
      FORWARDER_CONSUMER,
      received(client, { seq: 3, headers: { 'pq-not-before': String(NOW - 1) } }),
    );
    const forwarder = delayForwarder(queue);
    forwarder.start();
    await until(() => client.log.some((line) => line.startsWith('nak #3')));
    await forwarder.stop('graceful');
    expect(reports).toContainEqual({ action: 'forward', queue: 'emails', error: down });
    expect(client.log).not.toContain('ack #3');
  });
});

/** Polls a condition the code under test reaches asynchronously; bounded (2 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}
