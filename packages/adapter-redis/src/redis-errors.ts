import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';

/** A user attribute named like the field that holds the body: that one message fails. */
export class RedisReservedFieldError extends Error {
  override readonly name = 'RedisReservedFieldError';
  constructor(field: string) {
    super(
      `The attribute name "${field}" is reserved on Redis: the entry's "${field}" field holds the payload`,
    );
  }
}

/**
 * Redis error replies start with a code word (`NOGROUP No such key...`); scripts pass on the
 * code of the command that failed in them. Ours: PQNOQUEUE (a script found no stream).
 */
const REPLY_CODES: Readonly<Record<string, ErrorCode>> = {
  PQNOQUEUE: ErrorCode.NotFound,
  NOGROUP: ErrorCode.NotFound,
  BUSYGROUP: ErrorCode.AlreadyExists,
  NOAUTH: ErrorCode.PermissionDenied,
  WRONGPASS: ErrorCode.PermissionDenied,
  NOPERM: ErrorCode.PermissionDenied,
  OOM: ErrorCode.ResourceExhausted,
  LOADING: ErrorCode.Unavailable,
  BUSY: ErrorCode.Unavailable,
  TRYAGAIN: ErrorCode.Unavailable,
  CLUSTERDOWN: ErrorCode.Unavailable,
  MASTERDOWN: ErrorCode.Unavailable,
  READONLY: ErrorCode.Unavailable,
  MOVED: ErrorCode.Unavailable,
  ASK: ErrorCode.Unavailable,
  NOSCRIPT: ErrorCode.Unavailable,
  CROSSSLOT: ErrorCode.InvalidArgument,
  WRONGTYPE: ErrorCode.InvalidArgument,
};

/** ioredis's own errors, by message: its client-side states, not the server's replies. */
const CLIENT_MESSAGES: readonly [RegExp, ErrorCode][] = [
  [/^Connection is closed/, ErrorCode.Unavailable],
  [/^Stream isn't writeable/, ErrorCode.Unavailable],
  [/^Reached the max retries per request limit/, ErrorCode.Unavailable],
  [/^Failed to refresh slots cache/, ErrorCode.Unavailable],
  [/^None of the sentinels are available/, ErrorCode.Unavailable],
  [/^All sentinels are unreachable/, ErrorCode.Unavailable],
  // command_timeout: our own bound on a reply, like any other deadline we set.
  [/^Command timed out/, ErrorCode.DeadlineExceeded],
];

/** Maps an error of the Redis client or server to the closed code set. */
export function redisErrorCode(error: unknown): ErrorCode {
  if (error instanceof RedisReservedFieldError) return ErrorCode.InvalidArgument;
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  if (!(error instanceof Error)) return ErrorCode.Unknown;
  // Inside a script: "ERR user_script:3: NOGROUP No such key ..." on some versions.
  for (const [, word] of error.message.matchAll(/(?:^|: )([A-Z]{3,})\b/g)) {
    const code = REPLY_CODES[word!];
    if (code !== undefined) return code;
  }
  for (const [pattern, code] of CLIENT_MESSAGES) if (pattern.test(error.message)) return code;
  return ErrorCode.Unknown;
}
