import { MessageTooLargeError } from '@polyqueue/core';
import { type DeadLetterRecord, decodeCompact } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { deadLetterCopy } from '../src/dead-letter-copy.js';
import type { QueueRef } from '../src/queue-ref.js';
import { messageSize } from '../src/sqs-wire.js';

const record: DeadLetterRecord = {
  reason: 'failed',
  errorName: 'TypeError',
  errorMessage: `it broke: ${'é'.repeat(5_000)}`,
  errorStack: 'TypeError: it broke\n    at handler'.repeat(50),
  attempts: 3,
  sourceQueue: 'jobs',
  failedAt: 1_893_456_000_000,
};
const meta = { id: 'job-1', attemptOffset: 0, enqueuedAt: 1_893_456_000_000 };
const dlq = (maxBytes: number): QueueRef => ({ name: 'jobs_dlq', url: 'u', arn: 'a', fifo: false, maxBytes });

describe('dead-letter copy at the size limit', () => {
  it('keeps the whole record when it fits', () => {
    const copy = deadLetterCopy('{"a":1}', { tenant: 't' }, meta, dlq(1_048_576), {}, record);
    expect(decodeCompact(copy.attributes.pq!.StringValue).deadLetter).toEqual(record);
  });

  it('cuts the error metadata (stack, then message) to fit, keeping body, attributes and the rest', () => {
    const body = 'x'.repeat(100_000);
    const limit = 100_000 + 2_000;
    const copy = deadLetterCopy(body, { tenant: 't' }, meta, dlq(limit), {}, record);
    expect(copy.size).toBeLessThanOrEqual(limit);
    expect(copy.body).toBe(body);
    expect(copy.attributes.tenant).toEqual({ DataType: 'String', StringValue: 't' });
    const kept = decodeCompact(copy.attributes.pq!.StringValue).deadLetter!;
    expect(kept.errorStack).toBeUndefined();
    expect(kept.errorMessage.startsWith('it broke: é')).toBe(true);
    expect(kept.errorMessage.endsWith('…')).toBe(true);
    expect(kept.errorMessage.length).toBeLessThan(record.errorMessage.length);
    expect({ ...kept, errorMessage: '' }).toEqual({ ...record, errorStack: undefined, errorMessage: '' });
  });

  it('a foreign message exactly at a limit with no room left still goes, as it was sent', () => {
    const attributes = { tenant: 't' };
    const body = 'y'.repeat(1_000);
    const limit = messageSize(body, { tenant: { DataType: 'String', StringValue: 't' } });
    const copy = deadLetterCopy(body, attributes, meta, dlq(limit), {}, record);
    expect(copy.size).toBe(limit);
    expect(Object.keys(copy.attributes)).toEqual(['tenant']);
  });

  it('a message larger than the dead-letter queue takes is still refused, typed', () => {
    expect(() => deadLetterCopy('z'.repeat(2_000), {}, meta, dlq(1_024), {}, record)).toThrow(
      MessageTooLargeError,
    );
  });
});
