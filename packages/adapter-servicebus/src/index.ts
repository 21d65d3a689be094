/**
 * @polyqueue/adapter-servicebus: polyqueue on Azure Service Bus (`servicebus://`).
 *
 *   const broker = await connect('servicebus://my-ns.servicebus.windows.net');
 */
import type { AdapterModule, DriverContext } from '@polyqueue/core/driver';
import { connectionStringSecrets, recognizeConnectionString } from './connection-string.js';
import { connectionFor, createServiceBusDriver, type ServiceBusConnection } from './create-driver.js';
import { settingsFromParams, targetFromUrl, URL_PARAMETERS } from './settings.js';

export type {
  BusAdmin,
  BusClient,
  BusQueueCounts,
  BusQueueSettings,
  BusReceiver,
  BusSender,
  BusSessionReceiver,
  DeadLetterProperties,
  PropertyValues,
} from './bus/bus-client.js';
/**
 * A SAS key connection string as the equivalent `servicebus://` URL (to add URL parameters to it).
 * `connect()` takes the connection string itself too, through `adapter.recognize`.
 */
export { serviceBusConnectionStringToUrl as connectionStringToUrl } from './connection-string.js';
export {
  createServiceBusDriver,
  type ServiceBusConnection,
  type ServiceBusDriverOptions,
} from './create-driver.js';
export { ServiceBusDriver } from './servicebus-driver.js';
export { ManageRightRequiredError, serviceBusErrorCode } from './servicebus-errors.js';
export { DEFAULT_MAX_MESSAGE_BYTES, URL_PARAMETERS } from './settings.js';

/**
 * An adapter module whose drivers reach Service Bus through `connect`, given the parsed URL.
 * The default (`adapter`) uses the real SDK; tests pass an in-process fake.
 */
export function createServiceBusAdapter(
  connect: (context: DriverContext) => Promise<ServiceBusConnection> = (context) =>
    connectionFor(targetFromUrl(context)),
): AdapterModule {
  return {
    schemes: ['servicebus'],
    parameters: URL_PARAMETERS,
    recognize: recognizeConnectionString,
    secrets: connectionStringSecrets,
    async createDriver(context) {
      const settings = settingsFromParams(context);
      targetFromUrl(context); // URL mistakes are ConfigErrors whatever the connection
      return createServiceBusDriver(await connect(context), {
        queuePrefix: settings.queuePrefix,
        sessions: settings.sessions,
        maxMessageBytes: settings.maxMessageBytes,
        ...(settings.dedupWindowMs !== undefined ? { dedupWindowMs: settings.dedupWindowMs } : {}),
      });
    },
  };
}

/** `servicebus://[<keyName>:<key>@]<namespace>.servicebus.windows.net[?queue_prefix=…&sessions=…&dedup_window_ms=…&max_message_bytes=…]` */
export const adapter: AdapterModule = createServiceBusAdapter();
