import { createHash } from 'node:crypto';

/** SQS queue names: 1-80 characters of letters, digits, `-` and `_` (FIFO: ending in `.fifo`). */
const MAX_NAME = 80;
const FIFO_SUFFIX = '.fifo';
const DELAY_SUFFIX = '_pq_delay';

/**
 * Logical name to native name: `<queue_prefix><name>`, every `.` turned into `_` (SQS refuses
 * dots), plus `.fifo` on FIFO queues. A name that would exceed 80 characters is cut and ends in 8
 * hex characters of its SHA-256, so that distinct long names stay distinct.
 */
export function nativeQueueName(prefix: string, logical: string, fifo: boolean): string {
  return fit(`${prefix}${logical}`.replaceAll('.', '_'), fifo ? FIFO_SUFFIX : '');
}

/**
 * The delay queue of a work queue: always a standard queue, because only standard queues take a
 * per-message `DelaySeconds` (FIFO ones do not).
 */
export function nativeDelayQueueName(prefix: string, logical: string): string {
  return fit(`${prefix}${logical}`.replaceAll('.', '_'), DELAY_SUFFIX);
}

function fit(base: string, suffix: string): string {
  const room = MAX_NAME - suffix.length;
  if (base.length <= room) return `${base}${suffix}`;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, room - 9)}-${hash}${suffix}`;
}

/** Characters SQS accepts in `MessageGroupId` and `MessageDeduplicationId`, at most 128 of them. */
const TOKEN = /^[\x21-\x7e]{1,128}$/;

/**
 * A value usable as a FIFO group or deduplication id: the value itself when SQS accepts it, else
 * its SHA-256 in hex, which keeps equal values equal and distinct values distinct.
 */
export function fifoToken(value: string): string {
  return TOKEN.test(value) ? value : createHash('sha256').update(value).digest('hex');
}
