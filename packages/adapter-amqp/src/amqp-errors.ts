import { ErrorCode } from '@polyqueue/core/driver';

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
 * One table from native errors to the closed code set. amqplib puts the AMQP reply code on
 * channel and connection errors (`code: 404`), Node puts errno strings on socket errors, and a
 * few amqplib failures carry only a message.
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
  ['ECONNREFUSED', ErrorCode.Unavailable],
  ['ECONNRESET', ErrorCode.Unavailable],
  ['EPIPE', ErrorCode.Unavailable],
  ['ENOTFOUND', ErrorCode.Unavailable],
  ['EHOSTUNREACH', ErrorCode.Unavailable],
  ['EAI_AGAIN', ErrorCode.Unavailable],
  ['ETIMEDOUT', ErrorCode.DeadlineExceeded],
]);

/** amqplib failures with no code: all mean the channel or connection went away. */
const CLOSED = /^(channel closed|channel ended|connection closed|socket closed)/i;

export function amqpErrorCode(error: unknown): ErrorCode {
  const native = error as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = native?.code;
  if (typeof code === 'number' || typeof code === 'string') {
    const mapped = CODES.get(code);
    if (mapped) return mapped;
  }
  if (native?.name === 'IllegalOperationError') return ErrorCode.Unavailable;
  if (typeof native?.message === 'string' && CLOSED.test(native.message)) return ErrorCode.Unavailable;
  return ErrorCode.Unknown;
}
