import { BrokerError, ErrorCode } from '@polyqueue/core';
import { networkErrorCode } from '@polyqueue/core/driver';

/** `ServiceBusError.code` (AMQP operations) to the closed code set. */
const SERVICE_BUS_CODES: Readonly<Record<string, ErrorCode>> = {
  MessagingEntityNotFound: ErrorCode.NotFound,
  MessagingEntityAlreadyExists: ErrorCode.AlreadyExists,
  UnauthorizedAccess: ErrorCode.PermissionDenied,
  MessageSizeExceeded: ErrorCode.InvalidArgument,
  QuotaExceeded: ErrorCode.ResourceExhausted,
  ServiceBusy: ErrorCode.ResourceExhausted,
  ServiceTimeout: ErrorCode.DeadlineExceeded,
  ServiceCommunicationProblem: ErrorCode.Unavailable,
  MessagingEntityDisabled: ErrorCode.Unavailable,
  SessionCannotBeLocked: ErrorCode.Unavailable,
  // The lock's deadline passed: the message comes back to some receiver; settling it here failed.
  MessageLockLost: ErrorCode.DeadlineExceeded,
  SessionLockLost: ErrorCode.DeadlineExceeded,
  MessageNotFound: ErrorCode.Unknown,
  GeneralError: ErrorCode.Unknown,
};

/** `RestError.statusCode` (administration API) to the closed code set. */
const HTTP_STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.InvalidArgument,
  401: ErrorCode.PermissionDenied,
  403: ErrorCode.PermissionDenied,
  404: ErrorCode.NotFound,
  409: ErrorCode.AlreadyExists,
  429: ErrorCode.ResourceExhausted,
  500: ErrorCode.Unavailable,
  503: ErrorCode.Unavailable,
  504: ErrorCode.DeadlineExceeded,
};

/**
 * Service Bus's own codes first, then the kit's one table of socket errors (a namespace that cannot
 * be reached at all; the SDK may wrap them), then the administration API's HTTP status.
 */
export function serviceBusErrorCode(error: unknown): ErrorCode {
  const native = error as { code?: unknown; statusCode?: unknown } | null | undefined;
  if (typeof native?.code === 'string' && native.code in SERVICE_BUS_CODES)
    return SERVICE_BUS_CODES[native.code]!;
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  if (typeof native?.statusCode === 'number')
    return HTTP_STATUS_CODES[native.statusCode] ?? ErrorCode.Unknown;
  return ErrorCode.Unknown;
}

/**
 * Provisioning was refused for lack of rights. Creating or reading entity settings needs the
 * Manage claim (a SAS policy with Manage, or the "Azure Service Bus Data Owner" role); Send and
 * Listen are enough for everything else, so `connect(url, { provision: false })` works without it.
 */
export class ManageRightRequiredError extends BrokerError {
  readonly queue: string;

  constructor(queue: string, cause: unknown) {
    super(
      `servicebus: provisioning queue "${queue}" needs the Manage right on the namespace (a SAS policy ` +
        'with Manage, or the "Azure Service Bus Data Owner" role). Grant it, or create the queue ' +
        'yourself and connect with { provision: false }.',
      ErrorCode.PermissionDenied,
      cause,
    );
    this.queue = queue;
  }
}
