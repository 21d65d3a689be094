import type { Delivery } from '../driver/delivery.js';
import { DecodeError } from '../errors/decode-error.js';
import { describeIssues, validate } from '../schema/validate.js';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import { deadLetterRecord } from './failure-policy.js';
import type { Job } from './job.js';
import type { QueueRuntime } from './queue-runtime.js';

export type DecodedJob<T> = Job<T>;

export type DecodeResult<T> =
  | { readonly ok: true; readonly job: DecodedJob<T> }
  | { readonly ok: false; readonly record: DeadLetterRecord };

/**
 * Turns a delivery into a job, or into a dead-letter record when its body does not deserialize or
 * fails the schema (R5). Synchronous unless a schema validates asynchronously.
 */
export function decodeDelivery<T>(
  rt: QueueRuntime<T>,
  delivery: Delivery,
): DecodeResult<T> | Promise<DecodeResult<T>> {
  const meta = delivery.meta;
  const attempt = (meta.attemptOffset ?? 0) + Math.max(1, delivery.deliveryCount);
  let payload: unknown;
  try {
    payload = rt.serializer.deserialize(delivery.body);
  } catch (cause) {
    const error = new DecodeError(
      'decode',
      `Body is not valid ${rt.serializer.contentType}: ${String(cause)}`,
      cause,
    );
    return { ok: false, record: deadLetterRecord(rt, attempt, 'decode', error) };
  }
  if (!rt.schema) return { ok: true, job: buildJob(rt, delivery, attempt, payload) };
  return validate<T>(rt.schema, payload).then((result) => {
    if (result.ok) return { ok: true, job: buildJob(rt, delivery, attempt, result.value) };
    const error = new DecodeError(
      'validation',
      `Payload fails the queue schema: ${describeIssues(result.issues)}`,
    );
    return { ok: false, record: deadLetterRecord(rt, attempt, 'validation', error) };
  });
}

/**
 * A top-level function rather than a closure per job: this runs for every delivery. Optional
 * fields are assigned, not spread: each `...(cond ? { x } : {})` allocated an object and went
 * through a generic copy, per job.
 */
function buildJob<T>(
  rt: QueueRuntime<T>,
  delivery: Delivery,
  attempt: number,
  payload: unknown,
): DecodedJob<T> {
  const meta = delivery.meta;
  const job: Mutable<DecodedJob<T>> = {
    id: meta.id,
    queue: rt.topology.name,
    payload: payload as T,
    attributes: delivery.attributes,
    attempt,
    maxAttempts: rt.topology.maxAttempts,
    enqueuedAt: new Date(meta.enqueuedAt ?? rt.clock.now()),
    raw: delivery.native,
  };
  if (meta.orderingKey !== undefined) job.orderingKey = meta.orderingKey;
  if (meta.dedupId !== undefined) job.dedupId = meta.dedupId;
  if (meta.traceparent !== undefined) job.traceparent = meta.traceparent;
  if (meta.tracestate !== undefined) job.tracestate = meta.tracestate;
  return job;
}

type Mutable<O> = { -readonly [K in keyof O]: O[K] };
