/**
 * The closed set of error codes. Every error polyqueue raises, and every native error a driver
 * reports, maps onto exactly one of these, so that retry decisions never depend on which broker
 * is underneath.
 */
export const ErrorCode = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  InvalidArgument: 'InvalidArgument',
  PermissionDenied: 'PermissionDenied',
  ResourceExhausted: 'ResourceExhausted',
  Unavailable: 'Unavailable',
  DeadlineExceeded: 'DeadlineExceeded',
  Unknown: 'Unknown',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose operation may succeed if simply tried again later. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Unavailable,
  ErrorCode.DeadlineExceeded,
  ErrorCode.ResourceExhausted,
]);

export function isRetryableCode(code: ErrorCode): boolean {
  return RETRYABLE.has(code);
}
