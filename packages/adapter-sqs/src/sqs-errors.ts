import { PolyqueueError } from '@polyqueue/core';
import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';

/**
 * SQS's own error codes (the SDK puts them in `error.name`; the query protocol's long forms are
 * listed too), mapped to the closed set. Socket errors are the kit's `networkErrorCode`; anything
 * else is Unknown. `TimeoutError` is the SDK's own request timeout, hence DeadlineExceeded.
 */
const CODES: Readonly<Record<string, ErrorCode>> = {
  QueueDoesNotExist: ErrorCode.NotFound,
  'AWS.SimpleQueueService.NonExistentQueue': ErrorCode.NotFound,
  ResourceNotFoundException: ErrorCode.NotFound,
  QueueNameExists: ErrorCode.AlreadyExists,
  QueueAlreadyExists: ErrorCode.AlreadyExists,
  QueueDeletedRecently: ErrorCode.AlreadyExists,
  'AWS.SimpleQueueService.QueueDeletedRecently': ErrorCode.AlreadyExists,
  InvalidParameterValue: ErrorCode.InvalidArgument,
  InvalidParameterValueException: ErrorCode.InvalidArgument,
  InvalidAttributeName: ErrorCode.InvalidArgument,
  InvalidAttributeValue: ErrorCode.InvalidArgument,
  InvalidMessageContents: ErrorCode.InvalidArgument,
  MissingParameter: ErrorCode.InvalidArgument,
  ValidationException: ErrorCode.InvalidArgument,
  InvalidBatchEntryId: ErrorCode.InvalidArgument,
  BatchEntryIdsNotDistinct: ErrorCode.InvalidArgument,
  TooManyEntriesInBatchRequest: ErrorCode.InvalidArgument,
  BatchRequestTooLong: ErrorCode.InvalidArgument,
  EmptyBatchRequest: ErrorCode.InvalidArgument,
  ReceiptHandleIsInvalid: ErrorCode.InvalidArgument,
  MessageNotInflight: ErrorCode.InvalidArgument,
  UnsupportedOperation: ErrorCode.InvalidArgument,
  'AWS.SimpleQueueService.UnsupportedOperation': ErrorCode.InvalidArgument,
  AccessDenied: ErrorCode.PermissionDenied,
  AccessDeniedException: ErrorCode.PermissionDenied,
  InvalidSecurity: ErrorCode.PermissionDenied,
  InvalidClientTokenId: ErrorCode.PermissionDenied,
  UnrecognizedClientException: ErrorCode.PermissionDenied,
  SignatureDoesNotMatch: ErrorCode.PermissionDenied,
  ExpiredToken: ErrorCode.PermissionDenied,
  CredentialsProviderError: ErrorCode.PermissionDenied,
  KmsAccessDenied: ErrorCode.PermissionDenied,
  OverLimit: ErrorCode.ResourceExhausted,
  RequestThrottled: ErrorCode.ResourceExhausted,
  ThrottlingException: ErrorCode.ResourceExhausted,
  KmsThrottled: ErrorCode.ResourceExhausted,
  PurgeQueueInProgress: ErrorCode.ResourceExhausted,
  ServiceUnavailable: ErrorCode.Unavailable,
  InternalError: ErrorCode.Unavailable,
  InternalFailure: ErrorCode.Unavailable,
  TimeoutError: ErrorCode.DeadlineExceeded,
  RequestTimeout: ErrorCode.DeadlineExceeded,
  RequestTimeoutException: ErrorCode.DeadlineExceeded,
};

/** Maps a native SQS or network error to the closed code set. */
export function sqsErrorCode(error: unknown): ErrorCode {
  // The adapter's own typed errors (e.g. QueueNotFoundError naming a dead-letter queue) keep theirs.
  if (error instanceof PolyqueueError) return error.code;
  if (typeof error !== 'object' || error === null) return ErrorCode.Unknown;
  const network = networkErrorCode(error);
  if (network !== undefined) return network;
  const native = error as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  for (const key of [native.Code, native.code, native.name]) {
    if (typeof key !== 'string') continue;
    const code = CODES[key] ?? CODES[key.replace(/^AWS\.SimpleQueueService\./, '')];
    if (code !== undefined) return code;
  }
  const status = native.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return ErrorCode.Unavailable;
  return ErrorCode.Unknown;
}

/** One entry of a batch call that SQS refused alone; `name` is its SQS error code. */
export class SqsBatchEntryError extends Error {
  readonly code: string;
  readonly senderFault: boolean;

  constructor(entry: {
    Code?: string | undefined;
    Message?: string | undefined;
    SenderFault?: boolean | undefined;
  }) {
    super(entry.Message ?? entry.Code ?? 'SQS refused the batch entry');
    this.code = entry.Code ?? 'Unknown';
    this.name = this.code;
    this.senderFault = entry.SenderFault ?? false;
  }
}
