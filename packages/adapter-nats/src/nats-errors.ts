import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';

/** A publish found no stream for its subject: the queue was never provisioned. */
export class NatsStreamMissingError extends Error {
  override readonly name = 'NatsStreamMissingError';
  readonly stream: string;

  constructor(stream: string, options?: ErrorOptions) {
    super(`JetStream stream "${stream}" does not exist`, options);
    this.stream = stream;
  }
}

/** A header value NATS cannot carry (CR or LF), or a user attribute that NATS would interpret. */
export class NatsInvalidHeaderError extends Error {
  override readonly name = 'NatsInvalidHeaderError';
}

/**
 * A pull request the server never ended, not even at its expiry. nats-server 2.9 answers a pull
 * on a consumer that does not exist with nothing at all, so this is how a deleted consumer shows;
 * a request lost on the wire looks the same. Unavailable: retrying is right in both cases.
 */
export class NatsPullUnansweredError extends Error {
  override readonly name = 'NatsPullUnansweredError';
}

/** SDK error names (nats-core, jetstream) → the closed code set; socket errors are the kit's table. */
const BY_NAME: Readonly<Record<string, ErrorCode>> = {
  NatsStreamMissingError: ErrorCode.NotFound,
  StreamNotFoundError: ErrorCode.NotFound,
  ConsumerNotFoundError: ErrorCode.NotFound,
  NatsInvalidHeaderError: ErrorCode.InvalidArgument,
  NatsPullUnansweredError: ErrorCode.Unavailable,
  InvalidArgumentError: ErrorCode.InvalidArgument,
  InvalidSubjectError: ErrorCode.InvalidArgument,
  InvalidNameError: ErrorCode.InvalidArgument,
  AuthorizationError: ErrorCode.PermissionDenied,
  PermissionViolationError: ErrorCode.PermissionDenied,
  UserAuthenticationExpiredError: ErrorCode.PermissionDenied,
  TimeoutError: ErrorCode.DeadlineExceeded,
  ClosedConnectionError: ErrorCode.Unavailable,
  DrainingConnectionError: ErrorCode.Unavailable,
  ConnectionError: ErrorCode.Unavailable,
  NoResponders: ErrorCode.Unavailable,
  RequestError: ErrorCode.Unavailable,
  // "No responders" on a publish whose stream does exist: JetStream is not (yet) answering.
  JetStreamNotEnabled: ErrorCode.Unavailable,
};

/** JetStream API error codes, for JetStreamApiError and friends. */
const BY_API_CODE: Readonly<Record<number, ErrorCode>> = {
  10059: ErrorCode.NotFound, // stream not found
  10014: ErrorCode.NotFound, // consumer not found
  10058: ErrorCode.AlreadyExists, // stream name in use with another config
  10023: ErrorCode.ResourceExhausted, // insufficient resources
  10047: ErrorCode.ResourceExhausted, // storage resources exceeded
  10077: ErrorCode.ResourceExhausted, // maximum messages exceeded
  10054: ErrorCode.ResourceExhausted, // maximum message size exceeded
};

const BY_HTTP_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.InvalidArgument,
  404: ErrorCode.NotFound,
  408: ErrorCode.DeadlineExceeded,
  409: ErrorCode.Unavailable,
  503: ErrorCode.Unavailable,
};

export function natsErrorCode(error: unknown): ErrorCode {
  if (typeof error !== 'object' || error === null) return ErrorCode.Unknown;
  const native = error as { name?: string; code?: unknown; status?: unknown; message?: string };
  if (typeof native.code === 'number' && BY_API_CODE[native.code]) return BY_API_CODE[native.code]!;
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  const byName = BY_NAME[native.name ?? ''];
  if (byName) return byName;
  // JetStreamError "heartbeats missed": the pull lost the server.
  if (native.name === 'JetStreamError' && /heartbeat/i.test(native.message ?? ''))
    return ErrorCode.Unavailable;
  if (typeof native.status === 'number' && BY_HTTP_STATUS[native.status])
    return BY_HTTP_STATUS[native.status]!;
  if (typeof native.code === 'number' && BY_HTTP_STATUS[native.code]) return BY_HTTP_STATUS[native.code]!;
  return ErrorCode.Unknown;
}
