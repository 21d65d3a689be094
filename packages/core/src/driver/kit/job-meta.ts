import type { JobMeta } from '../../wire/job-meta.js';

/**
 * Full metadata from what a message carried. A message from a foreign producer (or an older
 * polyqueue) may lack polyqueue's headers: it starts at attempt offset 0, and its enqueuedAt is
 * `fallbackEnqueuedAt`, which should be the broker's own timestamp of the message (not now, which
 * would make a job that waited an hour look fresh).
 */
export function completeMeta(
  meta: Partial<JobMeta> & { readonly id: string },
  fallbackEnqueuedAt: number,
): JobMeta {
  return {
    id: meta.id,
    attemptOffset: meta.attemptOffset ?? 0,
    enqueuedAt: meta.enqueuedAt ?? fallbackEnqueuedAt,
    ...(meta.notBefore !== undefined ? { notBefore: meta.notBefore } : {}),
    ...(meta.orderingKey !== undefined ? { orderingKey: meta.orderingKey } : {}),
    ...(meta.dedupId !== undefined ? { dedupId: meta.dedupId } : {}),
    // The producer's trace context travels with the job through every hop (docs/observability.md).
    ...(meta.traceparent !== undefined ? { traceparent: meta.traceparent } : {}),
    ...(meta.tracestate !== undefined ? { tracestate: meta.tracestate } : {}),
  };
}

/**
 * A dead letter as a fresh job of its source queue: all attempts back (attemptOffset 0) and due
 * now (no notBefore, which a retry's backoff may have left). The id, enqueuedAt, orderingKey and
 * dedupId (and trace context) are kept: it is the same job, and its history and ordering stay its own.
 */
export function redrivenMeta(
  meta: Partial<JobMeta> & { readonly id: string },
  fallbackEnqueuedAt: number,
): JobMeta {
  const { notBefore: _, ...rest } = completeMeta(meta, fallbackEnqueuedAt);
  return { ...rest, attemptOffset: 0 };
}
