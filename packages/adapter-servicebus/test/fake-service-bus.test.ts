import { ServiceBusError } from '@azure/service-bus';
import { VirtualClock } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import type { BusQueueSettings } from '../src/index.js';
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
