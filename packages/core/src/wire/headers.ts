import type { DeadLetterReason, DeadLetterRecord, JobMeta } from './job-meta.js';

/**
 * The header form of the wire format: one header per field, all under the `pq-` prefix.
 * Used by brokers with generous header limits (AMQP, NATS, Service Bus, Pub/Sub, memory).
 */
export const HEADER_PREFIX = 'pq-';

export const Header = {
  id: 'pq-id',
  attemptOffset: 'pq-attempt-offset',
  enqueuedAt: 'pq-enqueued-at',
  notBefore: 'pq-not-before',
  orderingKey: 'pq-ordering-key',
  dedupId: 'pq-dedup-id',
  traceparent: 'pq-traceparent',
  tracestate: 'pq-tracestate',
  deadLetterReason: 'pq-dl-reason',
  errorName: 'pq-dl-error-name',
  errorMessage: 'pq-dl-error-message',
  errorStack: 'pq-dl-error-stack',
  attempts: 'pq-dl-attempts',
  sourceQueue: 'pq-dl-source-queue',
  failedAt: 'pq-dl-failed-at',
} as const;

export type Headers = Record<string, string>;

/** True for a header name that belongs to polyqueue; user attributes may not use these. */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'pq' || lower.startsWith(HEADER_PREFIX);
}

export function encodeMetaHeaders(meta: JobMeta, into: Headers = {}): Headers {
  into[Header.id] = meta.id;
  into[Header.enqueuedAt] = String(meta.enqueuedAt);
  if (meta.attemptOffset !== 0) into[Header.attemptOffset] = String(meta.attemptOffset);
  if (meta.notBefore !== undefined) into[Header.notBefore] = String(meta.notBefore);
  if (meta.orderingKey !== undefined) into[Header.orderingKey] = meta.orderingKey;
  if (meta.dedupId !== undefined) into[Header.dedupId] = meta.dedupId;
  if (meta.traceparent !== undefined) into[Header.traceparent] = meta.traceparent;
  if (meta.tracestate !== undefined) into[Header.tracestate] = meta.tracestate;
  return into;
}

export function encodeDeadLetterHeaders(record: DeadLetterRecord, into: Headers = {}): Headers {
  into[Header.deadLetterReason] = record.reason;
  into[Header.errorName] = record.errorName;
  into[Header.errorMessage] = record.errorMessage;
  if (record.errorStack !== undefined) into[Header.errorStack] = record.errorStack;
  into[Header.attempts] = String(record.attempts);
  into[Header.sourceQueue] = record.sourceQueue;
  into[Header.failedAt] = String(record.failedAt);
  return into;
}

/** What a received message's headers say; fields a foreign producer left out are absent. */
export interface DecodedHeaders {
  readonly meta: Partial<JobMeta>;
  readonly deadLetter?: DeadLetterRecord;
  /** The user's attributes: every header outside the polyqueue prefix. */
  readonly attributes: Headers;
}

/**
 * Never throws: a header polyqueue cannot parse is ignored, so a foreign or damaged message still
 * becomes a job (attempt 1) rather than poisoning the worker. Header names are matched without
 * regard to case; of two that differ only in case, the later one counts.
 */
export function decodeHeaders(headers: Readonly<Record<string, unknown>>): DecodedHeaders {
  const attributes: Headers = {};
  // polyqueue's own values, by name, in locals: this runs on every delivery, and collecting them
  // in an object first was, after the job itself, the largest allocation of a decoded delivery.
  let id: string | undefined;
  let attemptOffset: string | undefined;
  let enqueuedAt: string | undefined;
  let notBefore: string | undefined;
  let orderingKey: string | undefined;
  let dedupId: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  /** The `pq-dl-*` values: only a dead-letter copy carries them. */
  let deadLetter: Headers | undefined;
  // for-in, not Object.entries: entries made an array per header.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (value === undefined || value === null) continue;
    const str =
      typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    if (!isReservedHeader(name)) {
      attributes[name] = str;
      continue;
    }
    const key = name.toLowerCase();
    switch (key) {
      case Header.id:
        id = str;
        break;
      case Header.attemptOffset:
        attemptOffset = str;
        break;
      case Header.enqueuedAt:
        enqueuedAt = str;
        break;
      case Header.notBefore:
        notBefore = str;
        break;
      case Header.orderingKey:
        orderingKey = str;
        break;
      case Header.dedupId:
        dedupId = str;
        break;
      case Header.traceparent:
        traceparent = str;
        break;
      case Header.tracestate:
        tracestate = str;
        break;
      default:
        deadLetter ??= {};
        deadLetter[key] = str;
    }
  }
  const meta: { -readonly [K in keyof JobMeta]?: JobMeta[K] } = {};
  if (id) meta.id = id;
  const offset = toInt(attemptOffset);
  if (offset !== undefined && offset >= 0) meta.attemptOffset = offset;
  const enqueued = toInt(enqueuedAt);
  if (enqueued !== undefined) meta.enqueuedAt = enqueued;
  const due = toInt(notBefore);
  if (due !== undefined) meta.notBefore = due;
  if (orderingKey !== undefined) meta.orderingKey = orderingKey;
  if (dedupId !== undefined) meta.dedupId = dedupId;
  if (traceparent !== undefined) meta.traceparent = traceparent;
  if (tracestate !== undefined) meta.tracestate = tracestate;
  const reason = deadLetter?.[Header.deadLetterReason];
  if (deadLetter === undefined || reason === undefined) return { meta, attributes };
  const errorStack = deadLetter[Header.errorStack];
  const record: DeadLetterRecord = {
    reason: reason as DeadLetterReason,
    errorName: deadLetter[Header.errorName] ?? '',
    errorMessage: deadLetter[Header.errorMessage] ?? '',
    ...(errorStack !== undefined ? { errorStack } : {}),
    attempts: toInt(deadLetter[Header.attempts]) ?? 0,
    sourceQueue: deadLetter[Header.sourceQueue] ?? '',
    failedAt: toInt(deadLetter[Header.failedAt]) ?? 0,
  };
  return { meta, deadLetter: record, attributes };
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
