import { type ClientConfig, PubSub } from '@google-cloud/pubsub';
import { ConfigError } from '@polyqueue/core';
import { type AdapterModule, type DriverContext, UrlParams } from '@polyqueue/core/driver';
import { PassThroughClient } from 'google-auth-library';
import type { MonitoringClient } from './monitoring-stats.js';
import type { PubSubApi } from './pubsub-client.js';
import { PubSubDriver, type PubSubDriverSettings } from './pubsub-driver.js';
import { pubsubErrorCode } from './pubsub-errors.js';
import { SdkPubSubApi } from './sdk-client.js';

export interface PubSubDriverOptions {
  /**
   * Your own client (shared with the rest of the application). polyqueue never closes it. When
   * absent, one is created from `projectId` and `emulatorHost` (and the usual Google credentials).
   */
  readonly pubsub?: PubSub;
  readonly projectId?: string;
  /** `host:port` of an emulator (`PUBSUB_EMULATOR_HOST` works too). */
  readonly emulatorHost?: string;
  /** Prepended to every topic and subscription name. Default ''. */
  readonly prefix?: string;
  /** Smallest lease accepted, in ms. Default 10,000 (Pub/Sub's minimum ack deadline). */
  readonly minLeaseMs?: number;
  /** Native dead-letter policy on work subscriptions (see README). Default true. */
  readonly deadLetterPolicy?: boolean;
  /** How long a pull loop waits after an empty answer (how often an emulator is polled). Default 25 ms. */
  readonly pollIntervalMs?: number;
  /**
   * A Cloud Monitoring `MetricServiceClient` of yours (`@google-cloud/monitoring`), for the
   * delayed and dead-lettered counts of `stats()`. Without it, Pub/Sub counts nothing.
   */
  readonly monitoring?: MonitoringClient;
  /**
   * Bound of each administrative call (create, delete, metadata, listing), the SDK's retries
   * included, in ms. Default 10,000.
   */
  readonly apiTimeoutMs?: number;
  /** @internal A stand-in for the SDK (unit tests). */
  readonly api?: PubSubApi;
}

/** Pub/Sub's minimum ack deadline. */
const DEFAULT_MIN_LEASE_MS = 10_000;
/** Admin calls answer in well under a second; the SDK's own bound (60 s of retries) is too long to hang. */
const DEFAULT_API_TIMEOUT_MS = 10_000;

export function createPubSubDriver(options: PubSubDriverOptions = {}): PubSubDriver {
  const api =
    options.api ??
    new SdkPubSubApi(options.pubsub ?? newClient(options), {
      ownsClient: options.pubsub === undefined,
      apiTimeoutMs: options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    });
  const settings: PubSubDriverSettings = {
    prefix: options.prefix ?? '',
    minLeaseMs: options.minLeaseMs ?? DEFAULT_MIN_LEASE_MS,
    deadLetterPolicy: options.deadLetterPolicy ?? true,
    pollIntervalMs: options.pollIntervalMs ?? 25,
    monitoring: options.monitoring,
  };
  return new PubSubDriver(api, settings);
}

/**
 * `pubsub://<project>?emulator_host=127.0.0.1:8085&prefix=prod-&min_lease_ms=10000&dead_letter_policy=true&api_timeout_ms=10000`
 */
export const pubsubAdapter: AdapterModule = {
  schemes: ['pubsub'],
  parameters: ['emulator_host', 'prefix', 'min_lease_ms', 'dead_letter_policy', 'api_timeout_ms'],
  errorCode: pubsubErrorCode,
  async createDriver(context: DriverContext) {
    const projectId = decodeURIComponent(context.url.hostname);
    if (!projectId) {
      throw new ConfigError(`A pubsub:// URL names the project: pubsub://<project>, got ${context.redacted}`);
    }
    const params = new UrlParams(context.params, context.redacted);
    const emulatorHost = params.string('emulator_host');
    if (emulatorHost !== undefined && !/^[^\s/:]+:\d+$/.test(emulatorHost)) {
      throw new ConfigError(
        `Parameter emulator_host must be host:port, got "${emulatorHost}" in ${context.redacted}`,
      );
    }
    const prefix = params.string('prefix');
    const options: PubSubDriverOptions = {
      projectId,
      ...(emulatorHost !== undefined ? { emulatorHost } : {}),
      ...(prefix !== undefined ? { prefix } : {}),
      minLeaseMs: params.int('min_lease_ms', { min: 1_000, max: 600_000, default: DEFAULT_MIN_LEASE_MS }),
      deadLetterPolicy: params.bool('dead_letter_policy', true),
      apiTimeoutMs: params.int('api_timeout_ms', { min: 100, max: 600_000, default: DEFAULT_API_TIMEOUT_MS }),
    };
    return createPubSubDriver(options);
  },
};

type EmulatorAuthClient = NonNullable<ClientConfig['authClient']>;

function newClient(options: PubSubDriverOptions): PubSub {
  const emulatorHost = options.emulatorHost ?? process.env.PUBSUB_EMULATOR_HOST;
  return new PubSub({
    ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
    ...(options.emulatorHost !== undefined ? { apiEndpoint: options.emulatorHost } : {}),
    // An emulator checks no credentials. Without a client of its own the SDK looks for Application
    // Default Credentials, probing for a GCE metadata server (a MetadataLookupWarning per client
    // off Google Cloud, and a wait). google-auth-library's PassThroughClient is its client for
    // local emulators: no credentials, no lookup. (The cast: the SDK's type names google-gax's own
    // pinned copy of the library, whose protected members make equal classes unassignable.)
    ...(emulatorHost ? { authClient: new PassThroughClient() as unknown as EmulatorAuthClient } : {}),
  });
}
