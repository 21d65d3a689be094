import { ServiceBusError } from '@azure/service-bus';
import { VirtualClock } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import type { BusQueueSettings } from '../src/index.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus } from './fake/fake-service-bus.js';

const SETTINGS: BusQueueSettings = {
  lockDurationMs: 10_000,
  maxDeliveryCount: 2,
  requiresSession: false,
  requiresDuplicateDetection: true,
  duplicateDetectionWindowMs: 60_000,
};

function namespace() {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  bus.createEntity('q', SETTINGS);
  return { clock, bus };
}

// The fake stands in for Service Bus in the conformance run, so its own semantics are pinned here
// against the documented behaviour, independently of the adapter.
describe('the Service Bus fake models the documented semantics', () => {
  it('an expired lock makes the message available again, its delivery counted (JS SDK: 0, then 1)', async () => {
    const { clock, bus } = namespace();
    bus.send('q', [{ body: 'a', messageId: 'm1' }]);
    const [first] = bus.take('q', undefined, 1);
    expect(first?.deliveryCount).toBe(0);
    expect(bus.take('q', undefined, 1)).toEqual([]);
    await clock.advance(10_000);
    const [second] = bus.take('q', undefined, 1);
    expect(second?.deliveryCount).toBe(1);
    expect(() => bus.complete('q', undefined, first!)).toThrow(ServiceBusError);
  });

  it('past maxDeliveryCount the message moves to the dead-letter sub-queue as MaxDeliveryCountExceeded', async () => {
    const { clock, bus } = namespace();
    bus.send('q', [{ body: 'a', messageId: 'm1' }]);
    for (let i = 0; i < 2; i++) {
      const [message] = bus.take('q', undefined, 1);
      bus.abandon('q', undefined, message!);
    }
    await clock.advance(1);
    expect(bus.take('q', undefined, 1)).toEqual([]);
    const [dead] = bus.peek('q', 'deadLetter', 0, 10);
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
  });

  it('peeking the dead-letter sub-queue browses in sequence-number order, whatever order the letters arrived in', () => {
    const { bus } = namespace();
    bus.send('q', [
      { body: 'a', messageId: 'm1' },
      { body: 'b', messageId: 'm2' },
    ]);
    const [first, second] = bus.take('q', undefined, 2);
    bus.deadLetterMessage('q', undefined, second!);
    bus.deadLetterMessage('q', undefined, first!);
    const page = bus.peek('q', 'deadLetter', 0, 10);
    expect(page.map((message) => message.messageId)).toEqual(['m1', 'm2']);
  });

  it('a scheduled message is enqueued at its time, not before', async () => {
    const { clock, bus } = namespace();
    bus.send('q', [{ body: 'a', messageId: 'm1' }], new Date(clock.now() + 5_000));
    await clock.advance(4_999);
    expect(bus.take('q', undefined, 1)).toEqual([]);
    await clock.advance(1);
    expect(bus.take('q', undefined, 1)).toHaveLength(1);
  });

  it('duplicate detection drops a repeated messageId inside the window, scheduled or not', async () => {
    const { clock, bus } = namespace();
    bus.send('q', [{ body: 'a', messageId: 'same' }], new Date(clock.now() + 1_000));
    bus.send('q', [{ body: 'b', messageId: 'same' }]);
    await clock.advance(61_000);
    bus.send('q', [{ body: 'c', messageId: 'same' }]);
    expect(bus.take('q', undefined, 10).map((m) => m.body)).toEqual(['a', 'c']);
  });

  it('a missing queue fails with MessagingEntityNotFound, an oversize message with MessageSizeExceeded', () => {
    const { bus } = namespace();
    expect(() => bus.send('nope', [{ body: 'a' }])).toThrow(
      expect.objectContaining({ code: 'MessagingEntityNotFound' }),
    );
    expect(() => bus.send('q', [{ body: 'x'.repeat(300_000) }])).toThrow(
      expect.objectContaining({ code: 'MessageSizeExceeded' }),
    );
  });
});

function sessionNamespace() {
  const clock = new VirtualClock();
  const bus = new FakeServiceBus(clock);
  bus.createEntity('s', { ...SETTINGS, requiresSession: true, maxDeliveryCount: 5 });
  const send = (sessionId: string, body: string) => bus.send('s', [{ body, sessionId }]);
  return { clock, bus, send, client: () => new FakeBusClient(bus) };
}

describe('the Service Bus fake models sessions as documented', () => {
  it('a session is locked by one receiver at a time and hands out its messages in send order', async () => {
    const { send, client } = sessionNamespace();
    send('a', 'a1');
    send('b', 'b1');
    send('a', 'a2');
    const first = await client().acceptNextSession('s', { maxWaitMs: 0 });
    const second = await client().acceptNextSession('s', { maxWaitMs: 0 });
    expect([first?.sessionId, second?.sessionId]).toEqual(['a', 'b']);
    expect(await client().acceptNextSession('s', { maxWaitMs: 0 })).toBeUndefined();
    const bodies = (await first!.receiveMessages(10, { maxWaitTimeInMs: 0 })).map((m) => m.body);
    expect(bodies).toEqual(['a1', 'a2']);
  });

  it('an abandoned message stays first in its session, its delivery counted', async () => {
    const { send, client } = sessionNamespace();
    send('a', 'a1');
    send('a', 'a2');
    const session = (await client().acceptNextSession('s', { maxWaitMs: 0 }))!;
    const [head] = await session.receiveMessages(1, { maxWaitTimeInMs: 0 });
    await session.abandonMessage(head!);
    const [again] = await session.receiveMessages(1, { maxWaitTimeInMs: 0 });
    expect([again?.body, again?.deliveryCount]).toEqual(['a1', 1]);
  });

  it('an expired session lock frees the session, counts the delivery, and fails later settlement with SessionLockLost', async () => {
    const { clock, send, client } = sessionNamespace();
    send('a', 'a1');
    const session = (await client().acceptNextSession('s', { maxWaitMs: 0 }))!;
    const [message] = await session.receiveMessages(1, { maxWaitTimeInMs: 0 });
    await clock.advance(5_000);
    await session.renewSessionLock(); // renewal keeps it
    await clock.advance(9_999);
    expect(await client().acceptNextSession('s', { maxWaitMs: 0 })).toBeUndefined();
    await clock.advance(1);
    await expect(session.completeMessage(message!)).rejects.toMatchObject({ code: 'SessionLockLost' });
    const next = (await client().acceptNextSession('s', { maxWaitMs: 0 }))!;
    const [again] = await next.receiveMessages(1, { maxWaitTimeInMs: 0 });
    expect(again?.deliveryCount).toBe(1);
  });

  it('closing a session receiver (or its connection) frees the session at once, the delivery not counted', async () => {
    const { send, client } = sessionNamespace();
    send('a', 'a1');
    const owner = client();
    const session = (await owner.acceptNextSession('s', { maxWaitMs: 0 }))!;
    await session.setSessionState('kept');
    await session.receiveMessages(1, { maxWaitTimeInMs: 0 });
    await owner.close();
    const next = (await client().acceptNextSession('s', { maxWaitMs: 0 }))!;
    const [again] = await next.receiveMessages(1, { maxWaitTimeInMs: 0 });
    expect(again?.deliveryCount).toBe(0);
    expect(await next.getSessionState()).toBe('kept');
  });

  it('a session queue refuses messages without a sessionId, and plain receivers', () => {
    const { bus } = sessionNamespace();
    expect(() => bus.send('s', [{ body: 'x' }])).toThrow(ServiceBusError);
    expect(() => bus.take('s', undefined, 1)).toThrow(/requires sessions/);
  });
});
