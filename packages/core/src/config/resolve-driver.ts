import type { Clock } from '../clock/clock.js';
import type { AdapterModule } from '../driver/adapter-module.js';
import type { Driver } from '../driver/driver.js';
import { networkErrorCode } from '../driver/kit/network-errors.js';
import { BrokerError } from '../errors/broker-error.js';
import { ConfigError, MissingAdapterError } from '../errors/config-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { PolyqueueError } from '../errors/polyqueue-error.js';
import { type AdapterSource, type AdapterSources, adapterPackage, loadAdapter } from './adapter-loader.js';
import { missingPackageOf } from './missing-package.js';
import { isUrl, type Recognized, recognize } from './recognize.js';
import { redactUrl } from './redact.js';
import { redactText, sanitizeError, secretsOf } from './secrets.js';

export type { AdapterSource };

/** How a URL starts: `scheme://`. */
const SCHEME = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

export interface ResolveOptions {
  /** Extra or overriding schemes, e.g. a third-party adapter: `{ kafka: kafkaAdapter }`. */
  readonly adapters?: AdapterSources;
  readonly clock?: Clock;
}

/** A driver made from a URL, with what the broker needs to keep that URL's credentials hidden. */
export interface ResolvedDriver {
  readonly driver: Driver;
  /** The URL with its credentials masked, for display. */
  readonly redacted: string;
  /** Every credential of the text, in each spelling, for masking by value. */
  readonly secrets: readonly string[];
}

/**
 * Turns a URL into a driver: pick the adapter by scheme, check parameters, create the driver. A
 * text that is not a URL is first turned into one by the adapter that recognizes it (an Azure
 * Service Bus connection string by the servicebus adapter): core knows no such format itself.
 */
export async function resolveDriver(given: string, options: ResolveOptions = {}): Promise<ResolvedDriver> {
  const extra = options.adapters ?? {};
  // A text written as a URL (`scheme://…`) that does not parse is a malformed URL, not another
  // format: it is refused at once rather than shown to every installed adapter.
  const recognized = isUrl(given) || SCHEME.test(given) ? undefined : await recognize(given, extra);
  const text = recognized?.url ?? given;
  if (!isUrl(text)) {
    if (recognized === undefined) {
      throw new ConfigError(
        `Not a valid queue URL: "${redactUrl(given)}" (expected e.g. memory:// or amqp://host)`,
      );
    }
    // An adapter's recognize returned a URL that does not parse: show neither text.
    throw new ConfigError(
      `The ${recognized.adapter.schemes[0]} adapter turned a connection text into no valid URL`,
    );
  }
  const url = new URL(text);
  const scheme = url.protocol.replace(/:$/, '');
  const adapter = await loadAdapter(scheme, extra);
  const secrets = secretsFor(given, recognized, adapter, text);
  const redacted = redactText(redactUrl(url), secrets);
  const params = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!adapter.parameters.includes(name)) {
      const known = adapter.parameters.length ? adapter.parameters.join(', ') : 'none';
      throw new ConfigError(`Unknown parameter "${name}" in ${redacted} (${scheme} accepts: ${known})`);
    }
    params.set(name, value);
  }
  try {
    const driver = await adapter.createDriver({
      url,
      redacted,
      params,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return { driver, redacted, secrets };
  } catch (error) {
    // An adapter that imports its SDK on first use finds it missing only now.
    const missing = error instanceof MissingAdapterError ? undefined : missingPackageOf(error);
    if (missing !== undefined)
      throw new MissingAdapterError(scheme, missing, error, adapterPackage(scheme, extra));
    throw connectError(adapter, scheme, redacted, error, secrets);
  }
}

/**
 * Every credential to mask, in each form it may appear: core's generic ones (a URL's password,
 * secret-looking parameters) of the URL, and the adapters' own, of the URL and of the text as
 * given (a connection string's key, raw, where its URL form has it percent-encoded).
 */
function secretsFor(
  given: string,
  recognized: Recognized | undefined,
  adapter: AdapterModule,
  url: string,
): readonly string[] {
  const found = [...secretsOf(url), ...adapterSecrets(adapter, url)];
  if (recognized !== undefined) found.push(...adapterSecrets(recognized.adapter, given));
  return [...new Set(found.filter((secret) => secret.length > 0))];
}

function adapterSecrets(adapter: AdapterModule, text: string): readonly string[] {
  try {
    return adapter.secrets?.(text) ?? [];
  } catch {
    // A rule that throws must not stop the connect; core's own masking still applies.
    return [];
  }
}

/**
 * A failed connection, wrapped once with the adapter's own error mapping, with the URL's
 * credentials masked even inside `cause`.
 */
function connectError(
  adapter: AdapterModule,
  scheme: string,
  redacted: string,
  error: unknown,
  secrets: readonly string[],
): Error {
  if (error instanceof PolyqueueError) return sanitizeError(error, secrets);
  const message = redactText(error instanceof Error ? error.message : String(error), secrets);
  return new BrokerError(
    `${scheme}: could not connect to ${redacted}: ${message}`,
    connectErrorCode(adapter, error),
    sanitizeError(error, secrets),
  );
}

function connectErrorCode(adapter: AdapterModule, error: unknown): ErrorCode {
  let code: ErrorCode = ErrorCode.Unknown;
  try {
    code = adapter.errorCode?.(error) ?? ErrorCode.Unknown;
  } catch {
    // A mapping that throws must not hide the connect error itself.
  }
  if (code !== ErrorCode.Unknown) return code;
  return networkErrorCode(error) ?? ErrorCode.Unknown;
}
