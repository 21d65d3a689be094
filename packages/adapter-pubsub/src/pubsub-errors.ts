import { ErrorCode, networkErrorCode } from '@polyqueue/core/driver';

/** gRPC status codes (google.rpc.Code) to the closed set, in one table. */
const GRPC_CODES: Readonly<Record<number, ErrorCode>> = {
  1: ErrorCode.Unavailable, // CANCELLED
  3: ErrorCode.InvalidArgument, // INVALID_ARGUMENT
  4: ErrorCode.DeadlineExceeded, // DEADLINE_EXCEEDED
  5: ErrorCode.NotFound, // NOT_FOUND
  6: ErrorCode.AlreadyExists, // ALREADY_EXISTS
  7: ErrorCode.PermissionDenied, // PERMISSION_DENIED
  8: ErrorCode.ResourceExhausted, // RESOURCE_EXHAUSTED
  9: ErrorCode.InvalidArgument, // FAILED_PRECONDITION
  10: ErrorCode.Unavailable, // ABORTED
  11: ErrorCode.InvalidArgument, // OUT_OF_RANGE
  14: ErrorCode.Unavailable, // UNAVAILABLE
  16: ErrorCode.PermissionDenied, // UNAUTHENTICATED
};

/** A gRPC status by its table; before one exists (a socket error), the kit's one network table. */
export function pubsubErrorCode(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'number') return GRPC_CODES[code] ?? ErrorCode.Unknown;
  return networkErrorCode(error) ?? ErrorCode.Unknown;
}

export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;

export function hasGrpcCode(error: unknown, code: number): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === code;
}
