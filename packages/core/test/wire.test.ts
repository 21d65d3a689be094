import { describe, expect, it } from 'vitest';
import type { DeadLetterRecord, JobMeta } from '../src/driver/index.js';
import {
  decodeCompact,
  decodeHeaders,
  encodeCompact,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  isReservedHeader,
} from '../src/driver/index.js';

const meta: JobMeta = {
  id: 'job-1',
  attemptOffset: 2,
  enqueuedAt: 1_700_000_000_000,
  notBefore: 1_700_000_005_000,
  orderingKey: 'user-42',
  dedupId: 'welcome-42',
};
const record: DeadLetterRecord = {
  reason: 'failed',
  errorName: 'TypeError',
  errorMessage: 'nope',
  errorStack: 'TypeError: nope\n    at x',
  attempts: 5,
  sourceQueue: 'emails',
  failedAt: 1_700_000_009_000,
};

describe('wire format', () => {
  it('round-trips metadata, dead-letter fields and user attributes through headers', () => {
    const headers = encodeDeadLetterHeaders(record, encodeMetaHeaders(meta, { tenant: 't1' }));
    expect(headers['pq-id']).toBe('job-1');
    expect(headers['pq-attempt-offset']).toBe('2');
    const decoded = decodeHeaders(headers);
    expect(decoded.meta).toEqual(meta);
    expect(decoded.deadLetter).toEqual(record);
    expect(decoded.attributes).toEqual({ tenant: 't1' });
  });

  it('round-trips through the compact single-attribute form', () => {
    const decoded = decodeCompact(encodeCompact(meta, record));
    expect(decoded.meta).toEqual(meta);
    expect(decoded.deadLetter).toEqual(record);
  });

  it('omits defaults to stay compact', () => {
    const headers = encodeMetaHeaders({ id: 'a', attemptOffset: 0, enqueuedAt: 1 });
    expect(Object.keys(headers).sort()).toEqual(['pq-enqueued-at', 'pq-id']);
  });

  it('never throws on foreign or damaged metadata', () => {
    expect(
      decodeHeaders({ 'pq-attempt-offset': 'many', 'pq-enqueued-at': '1e3', other: Buffer.from('x') }),
    ).toEqual({
      meta: {},
      attributes: { other: 'x' },
    });
    expect(decodeCompact('{not json')).toEqual({ meta: {} });
    expect(decodeCompact('42')).toEqual({ meta: {} });
    expect(decodeCompact(undefined)).toEqual({ meta: {} });
  });

  it('reads polyqueue headers in any case (the later of two spellings counts) and keeps unknown ones out of the attributes', () => {
    const decoded = decodeHeaders({
      'PQ-ID': 'first',
      'pq-id': 'second',
      'Pq-Enqueued-At': '5',
      'pq-traceparent': 'tp',
      'PQ-DL-REASON': 'failed',
      'pq-dl-attempts': '3',
      'pq-from-a-later-version': 'x',
      tenant: 't1',
    });
    expect(decoded.meta).toEqual({ id: 'second', enqueuedAt: 5, traceparent: 'tp' });
    expect(decoded.deadLetter).toMatchObject({ reason: 'failed', attempts: 3, sourceQueue: '' });
    expect(decoded.attributes).toEqual({ tenant: 't1' });
  });

  it('reserves the pq prefix for polyqueue, case-insensitively', () => {
    expect(isReservedHeader('pq-id')).toBe(true);
    expect(isReservedHeader('PQ-Anything')).toBe(true);
    expect(isReservedHeader('pq')).toBe(true);
    expect(isReservedHeader('pqx')).toBe(false);
    expect(isReservedHeader('tenant')).toBe(false);
  });
});
