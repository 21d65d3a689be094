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
   * Turns a connection text that is not a URL into this adapter's URL, or returns undefined when
   * the text is not this adapter's. The Azure portal's Service Bus connection string
   * (`Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…`) is the example: users paste it
   * where a URL goes. Core asks only for text `new URL()` cannot parse, first the adapters given
   * in `connect(…, { adapters })`, then the installed known adapter packages; the first URL
   * returned is used as if it had been given. Throw a `ConfigError` for text that is this
   * adapter's but has no URL form, naming fields, never values (the text holds credentials).
   */
  recognize?(text: string): string | undefined;
  /**
   * The credentials `text` (a URL of this adapter, or a text it recognizes) carries beyond what
   * core finds itself, which is a URL's password (or lone user name) and the values of parameters
   * named like key, secret, token, password, sas, credential or signature. Core masks every value
   * returned, verbatim, in every error, log line and `util.inspect` output of the broker; return
   * each spelling the value may appear in (e.g. raw and percent-encoded). Never throws.
   */
  secrets?(text: string): readonly string[];
  /**
   * The adapter's own mapping of native errors to the closed code set, for errors `createDriver`
   * rejects with (there is no driver yet to ask): bad credentials are PermissionDenied, an
   * unreachable broker Unavailable, so that `isRetryable` is right from the first connect. Usually
   * the same function as the driver's `errorCode`. Without it, core can only tell unreachable
   * sockets (ECONNREFUSED, ETIMEDOUT...) from Unknown.
   */
  errorCode?(error: unknown): ErrorCode;
}
