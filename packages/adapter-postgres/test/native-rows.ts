import type { NativeMessage } from '@polyqueue/conformance';
import type { SqlJobRow } from '../src/index.js';

/** `job.raw` on both dialects. */
export const sqlJobRow = {
  name: 'SqlJobRow',
  is: (value: unknown): value is SqlJobRow =>
    typeof value === 'object' && value !== null && (value as { table?: unknown }).table === 'jobs',
};

/** The plain INSERT a native producer writes (headers: a JSON object of strings). */
export const NATIVE_INSERT = (jobs: string, p: (n: number) => string) =>
  `INSERT INTO ${jobs} (queue, body, headers) VALUES (${p(1)}, ${p(2)}, ${p(3)})`;

/** A native consumer takes the oldest due, unleased job and deletes it. */
export const NATIVE_TAKE = (jobs: string, now: string, p: (n: number) => string) =>
  `DELETE FROM ${jobs} WHERE seq = (SELECT min(seq) FROM ${jobs} WHERE queue = ${p(1)} AND run_at <= ${now} AND lease_until IS NULL) RETURNING body, headers`;

export function nativeMessage(row: { body: unknown; headers: unknown }): NativeMessage {
  const headers = typeof row.headers === 'string' ? JSON.parse(row.headers) : row.headers;
  return { body: new Uint8Array(row.body as Buffer), headers: headers as Record<string, string> };
}
