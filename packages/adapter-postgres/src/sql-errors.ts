import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';
import { QueueMissingError } from './sql-dead-letters.js';

/** SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const SQLSTATES: Readonly<Record<string, ErrorCode>> = {
  '23503': ErrorCode.NotFound, // foreign_key_violation: the job's queue was never provisioned
  '23505': ErrorCode.AlreadyExists,
  '3D000': ErrorCode.NotFound, // invalid_catalog_name: no such database
  '3F000': ErrorCode.NotFound, // invalid_schema_name
  '42P01': ErrorCode.NotFound, // undefined_table
  '28000': ErrorCode.PermissionDenied,
  '28P01': ErrorCode.PermissionDenied,
  '42501': ErrorCode.PermissionDenied,
  '57014': ErrorCode.DeadlineExceeded, // query_canceled (statement_timeout)
  '40001': ErrorCode.Unavailable, // serialization_failure: try again
  '40P01': ErrorCode.Unavailable, // deadlock_detected: try again
  '55P03': ErrorCode.Unavailable, // lock_not_available
};
const SQLSTATE_CLASSES: Readonly<Record<string, ErrorCode>> = {
  '08': ErrorCode.Unavailable, // connection exception
  '57': ErrorCode.Unavailable, // operator intervention (shutdown, cannot connect now)
  '53': ErrorCode.ResourceExhausted, // insufficient resources
  '54': ErrorCode.ResourceExhausted, // program limit exceeded
  '22': ErrorCode.InvalidArgument, // data exception
};

/** better-sqlite3's `SqliteError.code` (https://www.sqlite.org/rescode.html), most specific first. */
const SQLITE_CODES: readonly [string, ErrorCode][] = [
  ['SQLITE_CONSTRAINT_FOREIGNKEY', ErrorCode.NotFound],
  ['SQLITE_CONSTRAINT_PRIMARYKEY', ErrorCode.AlreadyExists],
  ['SQLITE_CONSTRAINT_UNIQUE', ErrorCode.AlreadyExists],
  ['SQLITE_BUSY', ErrorCode.Unavailable],
  ['SQLITE_LOCKED', ErrorCode.Unavailable],
  ['SQLITE_FULL', ErrorCode.ResourceExhausted],
  ['SQLITE_NOMEM', ErrorCode.ResourceExhausted],
  ['SQLITE_TOOBIG', ErrorCode.InvalidArgument],
  ['SQLITE_READONLY', ErrorCode.PermissionDenied],
  ['SQLITE_PERM', ErrorCode.PermissionDenied],
  ['SQLITE_AUTH', ErrorCode.PermissionDenied],
  ['SQLITE_CANTOPEN', ErrorCode.Unavailable],
  ['SQLITE_IOERR', ErrorCode.Unavailable],
];

/** node-postgres's own errors, by message: its client-side states. */
const PG_CLIENT_MESSAGES: readonly [RegExp, ErrorCode][] = [
  [/^Connection terminated/, ErrorCode.Unavailable],
  [/^Client has encountered a connection error/, ErrorCode.Unavailable],
  [/^Cannot use a pool after calling end/, ErrorCode.Unavailable],
  [/^The LISTEN connection to PostgreSQL ended/, ErrorCode.Unavailable],
  [/^timeout exceeded when trying to connect/, ErrorCode.DeadlineExceeded],
  [/^Query read timeout/, ErrorCode.DeadlineExceeded],
];

/** Maps an error of PostgreSQL, node-postgres or SQLite to the closed code set. */
export function sqlErrorCode(error: unknown): ErrorCode {
  if (error instanceof QueueMissingError) return ErrorCode.NotFound;
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  if (!(error instanceof Error)) return ErrorCode.Unknown;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_')) {
      for (const [prefix, mapped] of SQLITE_CODES) if (code.startsWith(prefix)) return mapped;
      return ErrorCode.Unknown;
    }
    const mapped = SQLSTATES[code] ?? SQLSTATE_CLASSES[code.slice(0, 2)];
    if (mapped !== undefined) return mapped;
  }
  for (const [pattern, mapped] of PG_CLIENT_MESSAGES) if (pattern.test(error.message)) return mapped;
  return ErrorCode.Unknown;
}
