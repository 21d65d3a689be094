import { ErrorCode } from '@polyqueue/core/driver';

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

/** Node network errors seen before a gRPC status exists. */
const SYSTEM_CODES: Readonly<Record<string, ErrorCode>> = {
  ECONNREFUSED: ErrorCode.Unavailable,
  ECONNRESET: ErrorCode.Unavailable,
  ETIMEDOUT: ErrorCode.DeadlineExceeded,
};

export function pubsubErrorCode(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'number') return GRPC_CODES[code] ?? ErrorCode.Unknown;
  if (typeof code === 'string') return SYSTEM_CODES[code] ?? ErrorCode.Unknown;
  return ErrorCode.Unknown;
}

export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;

export function hasGrpcCode(error: unknown, code: number): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === code;
}
