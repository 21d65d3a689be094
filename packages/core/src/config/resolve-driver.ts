import type { Clock } from '../clock/clock.js';
import type { AdapterModule } from '../driver/adapter-module.js';
import type { Driver } from '../driver/driver.js';
import { BrokerError } from '../errors/broker-error.js';
import { ConfigError, MissingAdapterError } from '../errors/config-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { PolyqueueError } from '../errors/polyqueue-error.js';
import { memoryAdapter } from '../memory/memory-adapter.js';
import { isServiceBusConnectionString, serviceBusConnectionStringToUrl } from './connection-string.js';
import { KNOWN_ADAPTER_PACKAGES } from './known-adapters.js';
import { missingPackageOf } from './missing-package.js';
import { redactCredentials, redactUrl } from './redact.js';
import { redactText, sanitizeError, secretsOf } from './secrets.js';

/**
 * An adapter given directly, a loader that imports it on first use, or the name of a package that
 * exports `adapter` (imported on first use, with a clear error naming it when it is not installed).
 */
export type AdapterSource = AdapterModule | (() => Promise<AdapterModule>) | string;

export interface ResolveOptions {
  /** Extra or overriding schemes, e.g. a third-party adapter: `{ kafka: kafkaAdapter }`. */
  readonly adapters?: Readonly<Record<string, AdapterSource>>;
  readonly clock?: Clock;
}

/**
 * Turns a URL into a driver: pick the adapter by scheme, check parameters, create the driver.
 * An Azure Service Bus connection string is taken as its `servicebus://` equivalent.
 */
export async function resolveDriver(given: string, options: ResolveOptions = {}): Promise<Driver> {
  const text = isServiceBusConnectionString(given) ? serviceBusConnectionStringToUrl(given) : given;
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new ConfigError(
      `Not a valid queue URL: "${redactUrl(text)}" (expected e.g. memory:// or amqp://host)`,
      {
        cause:
          cause instanceof Error
            ? new Error(redactCredentials(cause.message.replace(text, redactUrl(text))))
            : undefined,
      },
    );
  }
  const scheme = url.protocol.replace(/:$/, '');
  const redacted = redactUrl(url);
  const extra = options.adapters ?? {};
  const adapter = await loadAdapter(scheme, extra);
  const params = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!adapter.parameters.includes(name)) {
      const known = adapter.parameters.length ? adapter.parameters.join(', ') : 'none';
      throw new ConfigError(`Unknown parameter "${name}" in ${redacted} (${scheme} accepts: ${known})`);
    }
    params.set(name, value);
  }
  try {
    return await adapter.createDriver({
      url,
      redacted,
      params,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    // An adapter that imports its SDK on first use finds it missing only now.
    const missing = error instanceof MissingAdapterError ? undefined : missingPackageOf(error);
    if (missing !== undefined)
      throw new MissingAdapterError(scheme, missing, error, adapterPackage(scheme, extra));
    throw connectError(adapter, scheme, redacted, error, queueUrlSecrets(given));
  }
}

/**
 * Every secret in a queue URL or connection string, in each form it may appear: a connection
 * string's key is percent-encoded in its `servicebus://` form, so both spellings are masked.
 */
export function queueUrlSecrets(given: string): readonly string[] {
  if (!isServiceBusConnectionString(given)) return secretsOf(given);
  let converted: readonly string[] = [];
  try {
    converted = secretsOf(serviceBusConnectionStringToUrl(given));
  } catch {
    // Not convertible: resolveDriver reports that; the given text's own secrets still apply.
  }
  return [...new Set([...secretsOf(given), ...converted])];
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
  const native = (error as { code?: unknown })?.code;
  return typeof native === 'string' && UNREACHABLE.has(native) ? ErrorCode.Unavailable : ErrorCode.Unknown;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

async function loadAdapter(
  scheme: string,
  extra: Readonly<Record<string, AdapterSource>>,
): Promise<AdapterModule> {
  const given = extra[scheme];
  if (typeof given === 'string') return importAdapter(scheme, given);
  if (given) return typeof given === 'function' ? given() : given;
  if (memoryAdapter.schemes.includes(scheme)) return memoryAdapter;
  const packageName = KNOWN_ADAPTER_PACKAGES[scheme];
  if (!packageName) {
    const known = ['memory', ...Object.keys(KNOWN_ADAPTER_PACKAGES), ...Object.keys(extra)].sort();
    throw new ConfigError(`Unknown scheme "${scheme}://". Known schemes: ${known.join(', ')}`);
  }
  return importAdapter(scheme, packageName);
}

/** The package name of a scheme's adapter, when it is known (for "a peer dependency of ..."). */
function adapterPackage(scheme: string, extra: Readonly<Record<string, AdapterSource>>): string | undefined {
  const given = extra[scheme];
  if (typeof given === 'string') return given;
  return given === undefined ? KNOWN_ADAPTER_PACKAGES[scheme] : undefined;
}

async function importAdapter(scheme: string, packageName: string): Promise<AdapterModule> {
  let module: { adapter?: AdapterModule };
  try {
    module = (await import(packageName)) as { adapter?: AdapterModule };
  } catch (error) {
    // The adapter itself, or the SDK it imports at load time (its peer dependency): the same
    // clear error, naming the package that is missing.
    const missing = missingPackageOf(error);
    if (missing === undefined) throw error;
    throw new MissingAdapterError(scheme, missing, error, missing === packageName ? undefined : packageName);
  }
  if (!module.adapter) throw new ConfigError(`${packageName} does not export an "adapter"`);
  return module.adapter;
}
