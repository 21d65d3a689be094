/**
 * The mechanism's SQL, written once for both dialects (tokens and placeholders: `dialect.ts`).
 * Every settlement names the delivery's `seq` and `lease_token`: it acts only while the job is
 * still leased to that delivery (a worker whose lease expired and was taken by another settles
 * nothing).
 */

/** The columns a delivery reads. */
const JOB_COLUMNS =
  'seq, id, body, headers, run_at, deliveries, attempt_offset, ordering_key, dedup_id, enqueued_at';

/**
 * Leases up to $4 jobs of queue $1 for $2 ms under token $3, in (run_at, seq) order. Fetchable: due
 * ($now >= run_at), not leased or its lease ran out, and, with an ordering key, the earliest job of
 * its key (rules O1, O2: a leased or retrying head blocks the rest of its key). On PostgreSQL the
 * inner select locks its rows with SKIP LOCKED, so concurrent fetches take different jobs.
 */
export const FETCH = `UPDATE {jobs} SET lease_until = {now} + $2, lease_token = $3, deliveries = deliveries + 1
WHERE seq IN (
  SELECT j.seq FROM {jobs} j
  WHERE j.queue = $1 AND j.run_at <= {now} AND (j.lease_until IS NULL OR j.lease_until <= {now})
    AND (j.ordering_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM {jobs} e WHERE e.queue = j.queue AND e.ordering_key = j.ordering_key AND e.seq < j.seq))
  ORDER BY j.run_at, j.seq
  LIMIT $4 {skip_locked})
RETURNING ${JOB_COLUMNS}`;

/**
 * When the next job of queue $1 may become fetchable: the earliest run_at of an unleased job and
 * the earliest lease end, with the database's now. A receiver with nothing to fetch sleeps until
 * then (bounded by its poll interval). Both mins are answered from the indexes.
 */
export const NEXT_DUE = `SELECT {now} AS now,
  (SELECT min(run_at) FROM {jobs} WHERE queue = $1 AND lease_until IS NULL) AS next_run,
  (SELECT min(lease_until) FROM {jobs} WHERE queue = $1 AND lease_until IS NOT NULL) AS next_lease`;

/** One row per job; the batch's rows are VALUES groups of this shape (see `insertJobs`). */
const INSERT_COLUMNS =
  '(queue, id, body, headers, run_at, ordering_key, dedup_id, enqueued_at, attempt_offset)';
/** run_at: the job's notBefore when given, else the database's now. */
const INSERT_ROW = (n: number) =>
  `($${n}, $${n + 1}, $${n + 2}, $${n + 3}, coalesce(CAST($${n + 4} AS BIGINT), {now}), $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`;
export const INSERT_ROW_PARAMS = 9;

/**
 * The same INSERT with one array per column (PostgreSQL, `Dialect.columnarInsert`): $1 the queue,
 * $2..$9 the columns in INSERT_COLUMNS' order. Rows go in the arrays' order (WITH ORDINALITY),
 * so a batch's jobs get their seq, and their ordering key's place, in send order.
 */
export const INSERT_JOBS_COLUMNS = `INSERT INTO {jobs} ${INSERT_COLUMNS}
SELECT $1, t.id, t.body, t.headers, coalesce(t.run_at, {now}), t.ordering_key, t.dedup_id, t.enqueued_at, t.attempt_offset
FROM unnest($2::text[], $3::bytea[], $4::jsonb[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::integer[])
  WITH ORDINALITY AS t(id, body, headers, run_at, ordering_key, dedup_id, enqueued_at, attempt_offset, n)
ORDER BY t.n`;

/** INSERT of `rows` jobs in one statement (memoized by the dialect per batch size). */
export function insertJobs(rows: number): string {
  const groups: string[] = [];
  for (let i = 0; i < rows; i += 1) groups.push(INSERT_ROW(i * INSERT_ROW_PARAMS + 1));
  return `INSERT INTO {jobs} ${INSERT_COLUMNS} VALUES ${groups.join(', ')}`;
}

/** Forgets dedup id $2 of queue $1 if its window is over (in the send's transaction, before its claim). */
export const DEDUP_FORGET = 'DELETE FROM {dedup} WHERE queue = $1 AND dedup_id = $2 AND expires_at <= {now}';
/**
 * Forgets up to 1,000 expired dedup ids of queue $1, outside any send's transaction, skipping rows
 * another transaction holds: it never waits, so it can never deadlock with a send.
 */
export const DEDUP_SWEEP = `DELETE FROM {dedup} WHERE queue = $1 AND dedup_id IN (
  SELECT dedup_id FROM {dedup} WHERE queue = $1 AND expires_at <= {now} LIMIT 1000 {skip_locked})`;
/** Remembers dedup id $2 for job $3 during $4 ms; no row back when it is already remembered. */
export const DEDUP_CLAIM = `INSERT INTO {dedup} (queue, dedup_id, job_id, expires_at) VALUES ($1, $2, $3, {now} + $4)
ON CONFLICT (queue, dedup_id) DO NOTHING RETURNING job_id`;
export const DEDUP_HOLDER = 'SELECT job_id FROM {dedup} WHERE queue = $1 AND dedup_id = $2';

/** Acks the deliveries named by (seq, token) pairs; returns the ordering keys freed. */
export function ackJobs(count: number): string {
  const pairs: string[] = [];
  for (let i = 0; i < count; i += 1) pairs.push(`(CAST($${2 * i + 1} AS BIGINT), $${2 * i + 2})`);
  return `DELETE FROM {jobs} WHERE (seq, lease_token) IN (VALUES ${pairs.join(', ')}) RETURNING ordering_key`;
}

/** Due again in $3 ms as a fresh copy whose next delivery is attempt $4 + 1 (same seq: keeps its key's place). */
export const RETRY = `UPDATE {jobs} SET run_at = {now} + $3, lease_until = NULL, lease_token = NULL, deliveries = 0, attempt_offset = $4
WHERE seq = CAST($1 AS BIGINT) AND lease_token = $2`;

/** Back unstarted, fetchable now, the delivery not counted. */
export const RELEASE = `UPDATE {jobs} SET lease_until = NULL, lease_token = NULL,
  deliveries = CASE WHEN deliveries > 0 THEN deliveries - 1 ELSE 0 END
WHERE seq = CAST($1 AS BIGINT) AND lease_token = $2`;

export const EXTEND = `UPDATE {jobs} SET lease_until = {now} + $3 WHERE seq = CAST($1 AS BIGINT) AND lease_token = $2`;

/** The dead-letter move, step 1 (same transaction as DEAD_LETTER_INSERT): remove the leased job. */
export const DEAD_LETTER_TAKE =
  'DELETE FROM {jobs} WHERE seq = CAST($1 AS BIGINT) AND lease_token = $2 RETURNING queue, ordering_key';
export const DEAD_LETTER_INSERT = `INSERT INTO {dead_letters} (queue, id, body, headers, reason, error_name, error_message, error_stack, attempts, failed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;

const DEAD_COLUMNS = 'seq, queue, id, body, headers, failed_at';
/** Dead letters of queue $1 after seq $2, oldest first: reads only (no lock, no delivery). */
export const DEAD_PEEK = `SELECT ${DEAD_COLUMNS} FROM {dead_letters} WHERE queue = $1 AND seq > CAST($2 AS BIGINT) ORDER BY seq LIMIT $3`;
export const DEAD_DELETE = 'DELETE FROM {dead_letters} WHERE seq = CAST($1 AS BIGINT) RETURNING seq';
export const DEAD_PURGE = 'DELETE FROM {dead_letters} WHERE queue = $1';

export const PROVISION = `INSERT INTO {queues} (name, dead_letter_name, lease_ms, max_attempts) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET dead_letter_name = excluded.dead_letter_name, lease_ms = excluded.lease_ms, max_attempts = excluded.max_attempts`;
export const QUEUE_EXISTS = 'SELECT 1 AS known FROM {queues} WHERE name = $1';
export const QUEUE_NAMES = 'SELECT name FROM {queues} ORDER BY name';

/** The four counts of queue $1 in one pass over its jobs, and its dead letters. */
export const STATS = `SELECT
  (SELECT count(*) FROM {queues} WHERE name = $1) AS known,
  coalesce(sum(CASE WHEN run_at <= n.now AND (lease_until IS NULL OR lease_until <= n.now) THEN 1 ELSE 0 END), 0) AS ready,
  coalesce(sum(CASE WHEN run_at > n.now AND lease_until IS NULL THEN 1 ELSE 0 END), 0) AS delayed,
  coalesce(sum(CASE WHEN lease_until > n.now THEN 1 ELSE 0 END), 0) AS in_flight,
  (SELECT count(*) FROM {dead_letters} WHERE queue = $1) AS dead
FROM (SELECT {now} AS now) n LEFT JOIN {jobs} j ON j.queue = $1`;
