import type { Clock } from '../clock/clock.js';
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
  createDriver(context: DriverContext): Promise<Driver>;
}
