import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { ConfigError } from '@polyqueue/core';
import { type AdapterModule, type DriverContext, UrlParams } from '@polyqueue/core/driver';
import { type SqsApi, sdkApi } from './sqs-api.js';
import { SqsDriver } from './sqs-driver.js';

const DEFAULT_WAIT_TIME_SECONDS = 20;
const DEFAULT_MAX_NATIVE_DELAY_SECONDS = 900;
const DEFAULT_API_TIMEOUT_MS = 10_000;

/** Programmatic options, equivalent to the URL parameters. */
export interface SqsDriverOptions {
  /** A client of your own (shared credentials, middleware, retries). Default: one built from `region`/`endpoint`. */
  readonly client?: SQSClient;
  /** AWS region. Default: the SDK's (AWS_REGION, profile...). */
  readonly region?: string;
  /** Endpoint URL, e.g. an emulator's `http://127.0.0.1:9324`. Default: the SDK's. */
  readonly endpoint?: string;
  /** Prefix of every native queue name. Default "". */
  readonly queuePrefix?: string;
  /** FIFO queues (`.fifo`): ordering keys and dedup ids. Default false. */
  readonly fifo?: boolean;
  /** Long-poll wait per receive, 0–20 s. Default 20. */
  readonly waitTimeSeconds?: number;
  /** Longest per-message DelaySeconds, 1–900. Default 900; lower it only to test the delay path. */
  readonly maxNativeDelaySeconds?: number;
  /**
   * Bound of one HTTP attempt of the client built here, on top of a receive's long-poll wait
   * (connect, then request and response), ms. Default 10,000. Not applied to a `client` of yours.
   */
  readonly apiTimeoutMs?: number;
  /** For unit tests: the narrow SQS interface instead of a client. */
  readonly api?: SqsApi;
}

/**
 * `sqs://?region=eu-west-1&endpoint=http://127.0.0.1:9324&queue_prefix=prod-&fifo=true`
 * Parameters: region, endpoint, queue_prefix, fifo, wait_time_seconds, max_native_delay_seconds,
 * api_timeout_ms.
 */
export const PARAMETERS = [
  'region',
  'endpoint',
  'queue_prefix',
  'fifo',
  'wait_time_seconds',
  'max_native_delay_seconds',
  'api_timeout_ms',
] as const;

export const adapter: AdapterModule = {
  schemes: ['sqs'],
  parameters: PARAMETERS,
  async createDriver(context: DriverContext) {
    const params = new UrlParams(context.params, context.redacted);
    const region = params.string('region');
    const endpoint = params.string('endpoint');
    const queuePrefix = params.string('queue_prefix');
    return createSqsDriver({
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(queuePrefix ? { queuePrefix } : {}),
      fifo: params.bool('fifo', false),
      waitTimeSeconds: params.int('wait_time_seconds', {
        min: 0,
        max: 20,
        default: DEFAULT_WAIT_TIME_SECONDS,
      }),
      maxNativeDelaySeconds: params.int('max_native_delay_seconds', {
        min: 1,
        max: 900,
        default: DEFAULT_MAX_NATIVE_DELAY_SECONDS,
      }),
      apiTimeoutMs: params.int('api_timeout_ms', { min: 100, max: 600_000, default: DEFAULT_API_TIMEOUT_MS }),
    });
  },
};

/** A driver from options: pass it to `connect({ driver })`, e.g. to share your own `SQSClient`. */
export function createSqsDriver(options: SqsDriverOptions = {}): SqsDriver {
  const waitTimeSeconds = options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_SECONDS;
  const maxNativeDelaySeconds = options.maxNativeDelaySeconds ?? DEFAULT_MAX_NATIVE_DELAY_SECONDS;
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    throw new ConfigError(
      `waitTimeSeconds must be a whole number of seconds from 0 to 20, got ${waitTimeSeconds}`,
    );
  }
  if (!Number.isInteger(maxNativeDelaySeconds) || maxNativeDelaySeconds < 1 || maxNativeDelaySeconds > 900) {
    throw new ConfigError(
      `maxNativeDelaySeconds must be a whole number from 1 to 900, got ${maxNativeDelaySeconds}`,
    );
  }
  if (
    options.apiTimeoutMs !== undefined &&
    !(Number.isInteger(options.apiTimeoutMs) && options.apiTimeoutMs >= 100)
  ) {
    throw new ConfigError(`apiTimeoutMs must be a whole number of ms >= 100, got ${options.apiTimeoutMs}`);
  }
  if (options.queuePrefix !== undefined && !/^[A-Za-z0-9_-]*$/.test(options.queuePrefix)) {
    throw new ConfigError(
      `queue_prefix may only hold letters, digits, "-" and "_", got "${options.queuePrefix}"`,
    );
  }
  let client = options.client;
  const ownsClient = client === undefined && options.api === undefined;
  if (ownsClient) {
    const apiTimeoutMs = options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS;
    const config: SQSClientConfig = {
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // The SDK's HTTP handler waits forever by default: a host that silently drops packets would
      // hold a send, a settlement or a connection check for the OS's connect timeout (minutes).
      // Each attempt is bounded (the SDK's retries included, a call is then bounded too); a
      // receive may legitimately take its long-poll wait on top.
      requestHandler: {
        connectionTimeout: apiTimeoutMs,
        requestTimeout: apiTimeoutMs + waitTimeSeconds * 1_000,
        throwOnRequestTimeout: true,
      },
    };
    client = new SQSClient(config);
  }
  return new SqsDriver({
    api: options.api ?? sdkApi(client!),
    ...(client ? { client } : {}),
    queuePrefix: options.queuePrefix ?? '',
    fifo: options.fifo ?? false,
    waitTimeSeconds,
    maxNativeDelaySeconds,
    ownsClient,
  });
}
