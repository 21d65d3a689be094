import { createHash } from 'node:crypto';
import { ConfigError } from '@polyqueue/core';

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

/**
 * Native-name endings the adapter gives its own queues. A logical name spelled with one would be
 * the same SQS queue as another queue's dead-letter or delay queue: `orders_dlq` is the
 * dead-letter queue of `orders` (logical `orders.dlq`), `x_pq_delay` (or `x.pq.delay`) the delay
 * queue of `x`. Such names are refused rather than silently shared.
 */
export function assertUnreserved(logical: string): void {
  const native = logical.replaceAll('.', '_');
  if (native.endsWith(DELAY_SUFFIX)) {
    throw new ConfigError(
      `Queue name "${logical}" is reserved on SQS: it maps to "${native}", and names ending in "${DELAY_SUFFIX}" are the delay queues of other queues`,
    );
  }
  if (logical.endsWith('_dlq')) {
    throw new ConfigError(
      `Queue name "${logical}" is reserved on SQS: it is the native name of the dead-letter queue of "${logical.slice(0, -4)}" ("${logical.slice(0, -4)}.dlq"); spell it with ".dlq" to mean that queue, or choose another name`,
    );
  }
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
