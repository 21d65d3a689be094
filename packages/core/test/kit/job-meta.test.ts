import { describe, expect, it } from 'vitest';
import { completeMeta, redrivenMeta } from '../../src/driver/index.js';

const BROKER_TIME = Date.UTC(2030, 0, 1);

describe('completeMeta', () => {
  it('completes a foreign message: attempt offset 0, enqueuedAt from the broker’s timestamp', () => {
    expect(completeMeta({ id: 'm-1' }, BROKER_TIME)).toEqual({
      id: 'm-1',
      attemptOffset: 0,
      enqueuedAt: BROKER_TIME,
    });
  });

  it('keeps everything a polyqueue message carried, and adds no absent optional field', () => {
    const meta = {
      id: 'j-1',
      attemptOffset: 2,
      enqueuedAt: 5,
      notBefore: 9,
      orderingKey: 'k',
      dedupId: 'd',
    };
    expect(completeMeta(meta, BROKER_TIME)).toEqual(meta);
    expect(Object.keys(completeMeta({ id: 'j', attemptOffset: 1 }, 1))).toEqual([
      'id',
      'attemptOffset',
      'enqueuedAt',
    ]);
  });
});

describe('redrivenMeta', () => {
  it('makes a dead letter a fresh job: attempts back, due now; id, enqueuedAt, orderingKey and dedupId kept', () => {
    const meta = { id: 'j-1', attemptOffset: 4, enqueuedAt: 5, notBefore: 9, orderingKey: 'k', dedupId: 'd' };
    expect(redrivenMeta(meta, BROKER_TIME)).toEqual({
      id: 'j-1',
      attemptOffset: 0,
      enqueuedAt: 5,
      orderingKey: 'k',
      dedupId: 'd',
    });
    expect('notBefore' in redrivenMeta(meta, BROKER_TIME)).toBe(false);
  });

  it('completes a foreign dead letter the same way as completeMeta', () => {
    expect(redrivenMeta({ id: 'm-1' }, BROKER_TIME)).toEqual({
      id: 'm-1',
      attemptOffset: 0,
      enqueuedAt: BROKER_TIME,
    });
  });
});
