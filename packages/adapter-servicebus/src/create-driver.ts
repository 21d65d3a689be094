import { ServiceBusAdministrationClient, ServiceBusClient, type TokenCredential } from '@azure/service-bus';
import type { Clock } from '@polyqueue/core/driver';
import type { BusClient } from './bus/bus-client.js';
import { SdkBusClient } from './bus/sdk-bus-client.js';
import { defaultAzureCredential } from './credentials.js';
import { ServiceBusDriver } from './servicebus-driver.js';
import {
  checkDedupWindow,
  DEFAULT_MAX_MESSAGE_BYTES,
  type ServiceBusSettings,
  type ServiceBusTarget,
} from './settings.js';

/** How to reach the namespace: exactly one of these. */
export type ServiceBusConnection =
  /** The application's own client. Give `admin` too for provisioning; the client is not closed by polyqueue. */
  | { readonly client: ServiceBusClient; readonly admin?: ServiceBusAdministrationClient }
  /** Any connection string the SDK accepts (SAS key, SAS token, emulator). */
  | { readonly connectionString: string }
  /** A namespace host with a token credential, e.g. `new DefaultAzureCredential()`. */
  | { readonly fullyQualifiedNamespace: string; readonly credential: TokenCredential }
  /**
   * An implementation of the adapter's narrow SDK interface instead of the SDK (tests use an
   * in-process fake), with the clock it keeps time by.
   */
  | { readonly bus: BusClient; readonly clock?: Clock };

/** The programmatic equivalent of the URL parameters; every field has the URL's default. */
export interface ServiceBusDriverOptions {
  readonly queuePrefix?: string;
  /**
   * Queues require sessions: `orderingKey` becomes the `sessionId` (capability `ordering`). Fixed
   * when a queue is created; provisioning refuses a queue whose setting differs.
   */
  readonly sessions?: boolean;
  readonly dedupWindowMs?: number;
  readonly maxMessageBytes?: number;
}

/** Builds a driver for `connect({ driver })`, e.g. to share the application's `ServiceBusClient`. */
export function createServiceBusDriver(
  connection: ServiceBusConnection,
  options: ServiceBusDriverOptions = {},
): ServiceBusDriver {
  if (options.dedupWindowMs !== undefined) checkDedupWindow(options.dedupWindowMs);
  const settings: ServiceBusSettings = {
    queuePrefix: options.queuePrefix ?? '',
    sessions: options.sessions ?? false,
    dedupWindowMs: options.dedupWindowMs,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  };
  if ('bus' in connection) return new ServiceBusDriver(connection.bus, settings, connection.clock);
  if ('client' in connection) {
    return new ServiceBusDriver(new SdkBusClient(connection.client, connection.admin, false), settings);
  }
  if ('connectionString' in connection) {
    const { connectionString } = connection;
    const admin = new ServiceBusAdministrationClient(connectionString);
    return new ServiceBusDriver(
      new SdkBusClient(new ServiceBusClient(connectionString), admin, true),
      settings,
    );
  }
  const { fullyQualifiedNamespace, credential } = connection;
  const admin = new ServiceBusAdministrationClient(fullyQualifiedNamespace, credential);
  const client = new ServiceBusClient(fullyQualifiedNamespace, credential);
  return new ServiceBusDriver(new SdkBusClient(client, admin, true), settings);
}

/** The connection a parsed URL describes; passwordless loads `@azure/identity` only now. */
export async function connectionFor(target: ServiceBusTarget): Promise<ServiceBusConnection> {
  if (target.kind === 'connection-string') return { connectionString: target.connectionString };
  return { fullyQualifiedNamespace: target.host, credential: await defaultAzureCredential() };
}
