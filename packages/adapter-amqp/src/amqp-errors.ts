import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';

/** The broker could not route a `mandatory` publish (basic.return): the queue does not exist. */
export class AmqpNoRouteError extends Error {
  readonly code = 312;
  constructor(exchange: string, routingKey: string, replyText: string) {
    super(
      `RabbitMQ returned the message unroutable (${replyText}): nothing is bound for ` +
        `"${routingKey}" on ${exchange === '' ? 'the default exchange' : `exchange "${exchange}"`}`,
    );
  }
  override get name(): string {
    return 'AmqpNoRouteError';
  }
}

/** No connection to RabbitMQ right now (lost, reconnecting, or closed). Retryable. */
export class AmqpUnavailableError extends Error {
  readonly code = 'AMQP_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  override get name(): string {
    return 'AmqpUnavailableError';
  }
}

/**
 * A wait on RabbitMQ ran out (`publish_timeout_ms`): a publisher confirm, or the round trip that
 * proves an ack was processed. Retryable. The outcome is unknown: a send that times out may
 * still have been published, so retrying it may publish the job twice (at-least-once).
 */
export class AmqpTimeoutError extends Error {
  readonly code = 'AMQP_TIMEOUT';
  constructor(message: string) {
    super(message);
  }
  override get name(): string {
    return 'AmqpTimeoutError';
  }
}

/**
 * AMQP's own errors to the closed code set. amqplib puts the AMQP reply code on channel and
 * connection errors (`code: 404`), and a few amqplib failures carry only a message. Socket errors
 * (Node's errno strings) are the kit's `networkErrorCode`, the same table for every adapter.
 */
const CODES: ReadonlyMap<number | string, ErrorCode> = new Map<number | string, ErrorCode>([
  [311, ErrorCode.ResourceExhausted], // CONTENT_TOO_LARGE
  [312, ErrorCode.NotFound], // NO_ROUTE
  [320, ErrorCode.Unavailable], // CONNECTION_FORCED: broker shutting down
  [402, ErrorCode.InvalidArgument], // INVALID_PATH: no such vhost
  [403, ErrorCode.PermissionDenied], // ACCESS_REFUSED
  [404, ErrorCode.NotFound], // NOT_FOUND
  [405, ErrorCode.Unavailable], // RESOURCE_LOCKED: exclusive queue held elsewhere
  [406, ErrorCode.InvalidArgument], // PRECONDITION_FAILED: e.g. inequivalent queue arguments
  [501, ErrorCode.Unknown], // FRAME_ERROR
  [503, ErrorCode.InvalidArgument], // COMMAND_INVALID
  [504, ErrorCode.Unavailable], // CHANNEL_ERROR
  [506, ErrorCode.ResourceExhausted], // RESOURCE_ERROR: out of memory or disk
  [530, ErrorCode.PermissionDenied], // NOT_ALLOWED
  [541, ErrorCode.Unknown], // INTERNAL_ERROR
  ['AMQP_UNAVAILABLE', ErrorCode.Unavailable],
  // polyqueue's own bounded waits (publish_timeout_ms); a socket ETIMEDOUT is Unavailable.
  ['AMQP_TIMEOUT', ErrorCode.DeadlineExceeded],
]);

/** amqplib failures with no code: all mean the channel or connection went away. */
const CLOSED = /^(channel closed|channel ended|connection closed|socket closed|unexpected close)/i;
/**
 * amqplib reports a refused handshake (wrong user or password: 403 ACCESS_REFUSED) only in its
 * message, with the AMQP reply code inside, and no `code`.
 */
const HANDSHAKE_REFUSED = /^Handshake terminated by server: (\d{3})\b/i;

export function amqpErrorCode(error: unknown): ErrorCode {
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  const native = error as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = native?.code;
  if (typeof code === 'number' || typeof code === 'string') {
    const mapped = CODES.get(code);
    if (mapped) return mapped;
  }
  if (native?.name === 'IllegalOperationError') return ErrorCode.Unavailable;
  if (typeof native?.message === 'string') {
    if (CLOSED.test(native.message)) return ErrorCode.Unavailable;
    const reply = HANDSHAKE_REFUSED.exec(native.message)?.[1];
    const mapped = reply === undefined ? undefined : CODES.get(Number(reply));
    if (mapped) return mapped;
  }
  return ErrorCode.Unknown;
}
