import type { Clock } from '../clock/clock.js';
import type { ErrorCode } from '../errors/error-code.js';
import type { Driver } from './driver.js';

/** Options the core passes to every adapter, beside the adapter's own URL parameters. */
export interface DriverContext {
  /** The parsed URL, credentials included. Never log it: use `redacted` instead. */
  readonly url: URL;
  /** The URL with credentials masked, safe for messages and logs. */
  readonly redacted: string;
  /** URL query parameters, already checked against `parameters`. */
  readonly params: ReadonlyMap<string, string>;
  readonly clock?: Clock;
}

/**
 * What an adapter package exports as `adapter`, so that `connect(url)` can find it by scheme.
 * The package is imported only when a URL with one of its schemes is used.
 */
export interface AdapterModule {
  readonly schemes: readonly string[];
  /** Every URL query parameter the adapter accepts. Anything else is rejected by name. */
  readonly parameters: readonly string[];
  /**
   * Connects (or prepares to connect) and returns the driver. A native error it rejects with is
   * wrapped once by the core, with `errorCode` below.
   */
  createDriver(context: DriverContext): Promise<Driver>;
  /**
   * The adapter's own mapping of native errors to the closed code set, for errors `createDriver`
   * rejects with (there is no driver yet to ask): bad credentials are PermissionDenied, an
   * unreachable broker Unavailable, so that `isRetryable` is right from the first connect. Usually
   * the same function as the driver's `errorCode`. Without it, core can only tell unreachable
   * sockets (ECONNREFUSED, ETIMEDOUT...) from Unknown.
   */
  errorCode?(error: unknown): ErrorCode;
}
