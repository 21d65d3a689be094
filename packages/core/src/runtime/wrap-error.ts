import { missingPackageOf } from '../config/missing-package.js';
import { redactCredentials } from '../config/redact.js';
import { redactText, sanitizeError } from '../config/secrets.js';
import type { Driver } from '../driver/driver.js';
import { BrokerError } from '../errors/broker-error.js';
import { MissingAdapterError } from '../errors/config-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { PolyqueueError } from '../errors/polyqueue-error.js';
import { QueueNotFoundError } from '../errors/queue-not-found-error.js';

/**
 * The single place native errors enter the closed code set. Called once per error: a
 * PolyqueueError passes through untouched, so `cause` is always the native error.
 */
export function wrapDriverError(
  driver: Driver,
  queue: string,
  error: unknown,
  action: string,
  secrets: readonly string[] = [],
  provisioning = false,
): Error {
  // A driver that connects lazily imports its SDK on first use: a missing one is an install
  // problem with one fix, not a broker error, even when the driver wrapped it already.
  if (error instanceof MissingAdapterError) return error;
  const missing = missingPackageOf(error);
  if (missing !== undefined) return new MissingAdapterError(driver.name, missing, error);
  if (error instanceof PolyqueueError) return sanitizeError(error, secrets);
  let code: ErrorCode;
  try {
    code = driver.errorCode(error);
  } catch {
    code = ErrorCode.Unknown;
  }
  const cause = sanitizeError(error, secrets);
  if (code === ErrorCode.NotFound && queue !== '')
    return new QueueNotFoundError(queue, cause, { provisioning });
  const detail = redactText(
    redactCredentials(error instanceof Error ? error.message : String(error)),
    secrets,
  );
  // No queue: a broker-wide action (listing the queues).
  const where = queue === '' ? '' : ` on queue "${queue}"`;
  return new BrokerError(`${driver.name}: could not ${action}${where}: ${detail}`, code, cause);
}
