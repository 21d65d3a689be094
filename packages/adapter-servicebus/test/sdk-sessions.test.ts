import type { ServiceBusSessionReceiver } from '@azure/service-bus';
import { ConfigError } from '@polyqueue/core';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import Long from 'long';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createServiceBusDriver } from '../src/index.js';
import { settingsFromParams } from '../src/settings.js';
import { type Call, receivedMessage, stubAdmin, stubClient, stubSessionReceiver } from './sdk-stubs.js';

const topology: QueueTopology = {
  name: 'orders',
  deadLetterName: 'orders.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};

function outgoing(meta: Partial<OutgoingMessage['meta']> = {}): OutgoingMessage {
  return {
    body: new TextEncoder().encode('{}'),
    attributes: {},
    meta: { id: 'job-1', attemptOffset: 0, enqueuedAt: 1_000, ...meta },
  };
}

/** A session-queue driver over the real SDK wrapper, whose client hands out `sessions`. */
function sessionDriver(sessions: ServiceBusSessionReceiver[], calls: Call[] = []) {
  const driver = createServiceBusDriver(
    { client: stubClient(calls, [], sessions), admin: stubAdmin(calls) },
    { sessions: true },
  );
  return { driver, calls };
}

async function receiveAll(driver: ReturnType<typeof sessionDriver>['driver']) {
  return driver
    .receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 })
    .receive(4, new AbortController().signal);
}

const named = (calls: Call[], ...methods: string[]) => calls.filter(([method]) => methods.includes(method));

describe('servicebus adapter on session queues: what it asks of the real SDK', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('declares ordering, and sends orderingKey as sessionId (a job without one gets its own session)', async () => {
    const { driver, calls } = sessionDriver([]);
    expect(driver.capabilities.ordering).toBe(true);
    await driver.send(topology, [outgoing({ orderingKey: 'user-42' }), outgoing({ id: 'job-2' })]);
    const [, sent] = named(calls, 'sendMessages')[0]!;
    expect(
      (sent as { messageId: string; sessionId: string }[]).map((m) => [m.messageId, m.sessionId]),
    ).toEqual([
      ['job-1', 'user-42'],
      ['job-2', 'job-2'],
    ]);
  });

  it('accepts sessions in peek-lock with SDK renewal off, one message each, recording it in the session state first', async () => {
    const a = stubSessionReceiver([], 'a', [
      receivedMessage({ sessionId: 'a' }),
      receivedMessage({ sessionId: 'a' }),
    ]);
    const { driver, calls } = sessionDriver([a]);
    const deliveries = await receiveAll(driver);
    expect(deliveries).toHaveLength(1); // the second message of session a waits for the first
    const [, queue, options] = named(calls, 'acceptNextSession')[0]!;
    expect(queue).toBe('orders');
    expect(options).toMatchObject({ receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs: 0 });
    expect((options as { abortSignal?: unknown }).abortSignal).toBeInstanceOf(AbortSignal);
    const sessionCalls: Call[] = [];
    const b = stubSessionReceiver(sessionCalls, 'b', [receivedMessage({ sessionId: 'b' })]);
    const second = sessionDriver([b]);
    const [delivery] = await receiveAll(second.driver);
    expect(sessionCalls.map(([method]) => method)).toEqual([
      'receiveMessages',
      'getSessionState',
      'setSessionState',
    ]);
    const state = JSON.parse(sessionCalls[2]![2] as string);
    expect(state).toMatchObject({ pq: 1, seq: '42', delivery: 1 });
    expect(state.leaseUntil).toBe(Date.now() + 30_000);
    expect(delivery?.deliveryCount).toBe(1);
  });

  it('no session in time (ServiceTimeout) is an empty receive, not an error', async () => {
    const { driver } = sessionDriver([]);
    await expect(receiveAll(driver)).resolves.toEqual([]);
  });

  it('a retry keeps the message locked at the head of its session, abandoning it only after the backoff', async () => {
    const calls: Call[] = [];
    const session = stubSessionReceiver(calls, 'a', [receivedMessage({ sessionId: 'a' })]);
    const { driver } = sessionDriver([session], calls);
    const [delivery] = await receiveAll(driver);
    await delivery!.retry(5_000, 1);
    // The due time is on the service before the wait starts: a next holder waits it out too.
    const [, , state] = named(calls, 'setSessionState').at(-1)!;
    expect(JSON.parse(state as string)).toMatchObject({
      seq: '42',
      delivery: 1,
      retryAt: Date.now() + 5_000,
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(named(calls, 'abandonMessage', 'completeMessage', 'scheduleMessages', 'sendMessages')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(named(calls, 'abandonMessage', 'completeMessage', 'scheduleMessages')).toEqual([
      ['abandonMessage', delivery!.native, undefined],
    ]);
  });

  it('extends a lease by renewing the session lock (never renewMessageLock) and recording the new lease end', async () => {
    const calls: Call[] = [];
    const { driver } = sessionDriver(
      [stubSessionReceiver(calls, 'a', [receivedMessage({ sessionId: 'a' })])],
      calls,
    );
    const [delivery] = await receiveAll(driver);
    await vi.advanceTimersByTimeAsync(10_000);
    await delivery!.extendLease(30_000);
    expect(named(calls, 'renewMessageLock')).toEqual([]);
    expect(named(calls, 'renewSessionLock')).toEqual([['renewSessionLock', 'a']]);
    const [, , last] = named(calls, 'setSessionState').at(-1)!;
    expect(JSON.parse(last as string).leaseUntil).toBe(Date.now() + 30_000);
  });

  it('counts a delivery the service did not (its holder lost the session), and waits out that holder’s lease', async () => {
    const seq = Long.fromNumber(42);
    const leaseUntil = Date.now() + 8_000;
    const record = JSON.stringify({ pq: 1, seq: '42', delivery: 1, leaseUntil });
    const calls: Call[] = [];
    const session = stubSessionReceiver(
      calls,
      'a',
      [receivedMessage({ sessionId: 'a', sequenceNumber: seq })],
      {
        state: record,
      },
    );
    const { driver } = sessionDriver([session], calls);
    const receiver = driver.receiver(topology, { leaseMs: 30_000, maxUnsettled: 4 });
    const signal = new AbortController().signal;
    expect(await receiver.receive(4, signal)).toEqual([]); // held back: the lost lease still runs
    await vi.advanceTimersByTimeAsync(8_000);
    const [delivery] = await receiver.receive(4, signal);
    expect(delivery?.deliveryCount).toBe(2);
    expect(JSON.parse(named(calls, 'setSessionState').at(-1)![2] as string)).toMatchObject({ delivery: 2 });
  });

  it('reads sessions=true|false from the URL, and provisions queues with requiresSession', async () => {
    const context = (query: string) => {
      const url = new URL(`servicebus://ns.servicebus.windows.net?${query}`);
      return { url, redacted: url.href, params: new Map(url.searchParams) };
    };
    expect(settingsFromParams(context('sessions=true')).sessions).toBe(true);
    expect(settingsFromParams(context('sessions=false')).sessions).toBe(false);
    expect(() => settingsFromParams(context('sessions=yes'))).toThrow(ConfigError);
    const { driver, calls } = sessionDriver([]);
    await driver.provision(topology);
    expect(named(calls, 'createQueue')[0]?.[2]).toMatchObject({ requiresSession: true });
  });

  it('refuses an existing queue whose sessions setting differs from the URL', async () => {
    const calls: Call[] = [];
    const existing = {
      lockDuration: 'PT30S',
      maxDeliveryCount: 7,
      requiresSession: false,
      requiresDuplicateDetection: false,
      duplicateDetectionHistoryTimeWindow: 'PT10M',
    };
    const driver = createServiceBusDriver(
      { client: stubClient(calls), admin: stubAdmin(calls, { existing }) },
      { sessions: true },
    );
    await expect(driver.provision(topology)).rejects.toThrow(/does not use sessions.*sessions=true/);
  });
});
