import { describe, expect, it } from 'vitest';
import { type DeadLetterRecord, type Delivery, platformOf } from '../src/driver/index.js';
import { createTestBroker } from '../src/testing/index.js';

/** A delivery as a Lambda or push adapter would build it: settlement is recorded, not sent. */
function platformDelivery(body: string, deliveryCount: number) {
  const settled: string[] = [];
  const delivery: Delivery = {
    body: Buffer.from(body),
    attributes: { source: 'lambda' },
    meta: { id: 'msg-1' },
    deliveryCount,
    native: { record: 'native' },
    ack: async () => void settled.push('ack'),
    retry: async (delayMs, attempt) => void settled.push(`retry ${delayMs} after ${attempt}`),
    deadLetter: async (record: DeadLetterRecord) =>
      void settled.push(`dead ${record.reason} ${record.attempts}`),
    release: async () => void settled.push('release'),
    extendLease: async () => void settled.push('extend'),
  };
  return { delivery, settled };
}

describe('platformOf(queue).createDeliveryHandler: the worker policy without a receive loop', () => {
  it('acks a success, retries with backoff, dead-letters at maxAttempts and undecodable bodies', async () => {
    const t = await createTestBroker();
    const q = t.broker.queue<{ ok: boolean }>('q', {
      maxAttempts: 3,
      backoff: { type: 'fixed', delayMs: 250 },
    });
    const handler = platformOf(q).createDeliveryHandler((job) => {
      if (!job.payload.ok) throw new Error('nope');
    });
    const cases = [
      [platformDelivery('{"ok":true}', 1), 'completed', ['ack']],
      [platformDelivery('{"ok":false}', 1), 'retrying', ['retry 250 after 1']],
      [platformDelivery('{"ok":false}', 3), 'dead-lettered', ['dead failed 3']],
      [platformDelivery('not json', 1), 'dead-lettered', ['dead decode 1']],
    ] as const;
    for (const [{ delivery, settled }, outcome, expected] of cases) {
      expect(await handler.handle(delivery)).toBe(outcome);
      expect(settled).toEqual(expected);
    }
    await t.close();
  });
});
