import type { DeadLetterRecord, JobMeta } from './job-meta.js';

/**
 * The compact form of the wire format: all metadata in one attribute named `pq`, holding JSON
 * with short keys. Used where attributes are scarce (SQS allows 10 in all).
 */
export const COMPACT_KEY = 'pq';

interface CompactShape {
  i?: string;
  a?: number;
  e?: number;
  n?: number;
  k?: string;
  d?: string;
  /** W3C traceparent and tracestate. */
  tp?: string;
  ts?: string;
  x?: { r: string; n: string; m: string; s?: string; a: number; q: string; t: number };
}

export function encodeCompact(meta: JobMeta, deadLetter?: DeadLetterRecord): string {
  const shape: CompactShape = { i: meta.id, e: meta.enqueuedAt };
  if (meta.attemptOffset !== 0) shape.a = meta.attemptOffset;
  if (meta.notBefore !== undefined) shape.n = meta.notBefore;
  if (meta.orderingKey !== undefined) shape.k = meta.orderingKey;
  if (meta.dedupId !== undefined) shape.d = meta.dedupId;
  if (meta.traceparent !== undefined) shape.tp = meta.traceparent;
  if (meta.tracestate !== undefined) shape.ts = meta.tracestate;
  if (deadLetter) {
    shape.x = {
      r: deadLetter.reason,
      n: deadLetter.errorName,
      m: deadLetter.errorMessage,
      a: deadLetter.attempts,
      q: deadLetter.sourceQueue,
      t: deadLetter.failedAt,
      ...(deadLetter.errorStack !== undefined ? { s: deadLetter.errorStack } : {}),
    };
  }
  return JSON.stringify(shape);
}

/** Never throws: unreadable metadata decodes as empty, so the message is treated as foreign. */
export function decodeCompact(value: string | undefined): {
  meta: Partial<JobMeta>;
  deadLetter?: DeadLetterRecord;
} {
  if (!value) return { meta: {} };
  let shape: CompactShape;
  try {
    shape = JSON.parse(value) as CompactShape;
  } catch {
    return { meta: {} };
  }
  if (typeof shape !== 'object' || shape === null) return { meta: {} };
  const meta: { -readonly [K in keyof JobMeta]?: JobMeta[K] } = {};
  if (typeof shape.i === 'string') meta.id = shape.i;
  if (Number.isSafeInteger(shape.a) && (shape.a as number) >= 0) meta.attemptOffset = shape.a as number;
  if (Number.isSafeInteger(shape.e)) meta.enqueuedAt = shape.e as number;
  if (Number.isSafeInteger(shape.n)) meta.notBefore = shape.n as number;
  if (typeof shape.k === 'string') meta.orderingKey = shape.k;
  if (typeof shape.d === 'string') meta.dedupId = shape.d;
  if (typeof shape.tp === 'string') meta.traceparent = shape.tp;
  if (typeof shape.ts === 'string') meta.tracestate = shape.ts;
  const x = shape.x;
  if (!x || typeof x !== 'object') return { meta };
  const deadLetter: DeadLetterRecord = {
    reason: x.r as DeadLetterRecord['reason'],
    errorName: String(x.n ?? ''),
    errorMessage: String(x.m ?? ''),
    attempts: Number(x.a) || 0,
    sourceQueue: String(x.q ?? ''),
    failedAt: Number(x.t) || 0,
    ...(typeof x.s === 'string' ? { errorStack: x.s } : {}),
  };
  return { meta, deadLetter };
}
