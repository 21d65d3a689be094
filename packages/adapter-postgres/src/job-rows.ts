import {
  type DeadLetterRecord,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  type Headers,
  type JobMeta,
} from '@polyqueue/core/driver';
import { type Row, toBytes, toJson, toNumber } from './sql-executor.js';

/**
 * `job.raw` on PostgreSQL and SQLite: the jobs row as fetched. `headers` holds the wire headers
 * (docs/wire-format.md, header form: `pq-*` metadata and user attributes); the columns hold what
 * the mechanism works on, and win over the headers where both say something.
 */
export interface SqlJobRow {
  readonly table: 'jobs';
  readonly seq: string;
  /** The job id; null for a row a foreign producer inserted without one. */
  readonly id: string | null;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly runAt: number;
  readonly deliveries: number;
  readonly attemptOffset: number;
  readonly orderingKey: string | null;
  readonly dedupId: string | null;
  readonly enqueuedAt: number;
  /** The lease this delivery holds: every settlement names it. */
  readonly leaseToken: string;
}

export function jobRow(row: Row, leaseToken: string): SqlJobRow {
  return {
    table: 'jobs',
    seq: String(row.seq),
    id: typeof row.id === 'string' ? row.id : null,
    body: toBytes(row.body),
    headers: toJson(row.headers),
    runAt: toNumber(row.run_at),
    deliveries: toNumber(row.deliveries),
    attemptOffset: toNumber(row.attempt_offset),
    orderingKey: typeof row.ordering_key === 'string' ? row.ordering_key : null,
    dedupId: typeof row.dedup_id === 'string' ? row.dedup_id : null,
    enqueuedAt: toNumber(row.enqueued_at),
    leaseToken,
  };
}

/** What a delivery exposes of a row: attributes, and metadata with the columns' word last. */
export function decodeJobRow(
  queue: string,
  row: SqlJobRow,
): { attributes: Headers; meta: Partial<JobMeta> & { readonly id: string } } {
  const decoded = decodeHeaders(row.headers);
  const { notBefore: _, ...meta } = decoded.meta;
  return {
    attributes: decoded.attributes,
    meta: {
      ...meta,
      id: row.id ?? meta.id ?? `${queue}:${row.seq}`,
      attemptOffset: row.attemptOffset,
      enqueuedAt: meta.enqueuedAt ?? row.enqueuedAt,
      ...(row.orderingKey !== null ? { orderingKey: row.orderingKey } : {}),
      ...(row.dedupId !== null ? { dedupId: row.dedupId } : {}),
    },
  };
}

/**
 * The headers column of a job: its metadata and attributes, without what lives in columns and
 * changes (attempt offset, notBefore), so the two never disagree.
 */
export function storedHeaders(
  meta: JobMeta,
  attributes: Readonly<Record<string, string>>,
  record?: DeadLetterRecord,
): string {
  const { notBefore: _, ...rest } = meta;
  const headers: Headers = { ...attributes };
  encodeMetaHeaders({ ...rest, attemptOffset: record === undefined ? 0 : meta.attemptOffset }, headers);
  if (record !== undefined) encodeDeadLetterHeaders(record, headers);
  return JSON.stringify(headers);
}
