import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { AdapterModule } from '@polyqueue/core/driver';
import { NatsDriver } from './nats-driver.js';
import { natsErrorCode } from './nats-errors.js';
import { DEFAULT_SETTINGS, type NatsSettings, settingsFromUrl, URL_PARAMETERS } from './nats-options.js';
import { SdkClient } from './sdk-client.js';

export type { NatsClient } from './nats-client.js';
export { NatsDriver } from './nats-driver.js';
export { NatsInvalidHeaderError, NatsStreamMissingError } from './nats-errors.js';
export { FORWARDER_CONSUMER, queueNames, WORKER_CONSUMER } from './nats-names.js';
export { DEFAULT_SETTINGS, type NatsSettings } from './nats-options.js';

/**
 * A driver on a connection the application already has (it stays the application's: closing the
 * broker closes it too). `connect({ driver: await createNatsDriver({ connection: nc }) })`.
 */
export async function createNatsDriver(options: {
  readonly connection: NatsConnection;
  readonly settings?: Partial<NatsSettings>;
}): Promise<NatsDriver> {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const client = await SdkClient.create(options.connection, settings.apiTimeoutMs);
  return new NatsDriver({ client, settings });
}

/** `nats://[user:pass@|token@]host[:port][?stream_prefix=pq&...]`; see README "URL". */
export const adapter: AdapterModule = {
  schemes: ['nats'],
  parameters: URL_PARAMETERS,
  // Connect-time errors are coded like any other: the SDK names them (ConnectionError for an
  // unreachable server, retryable; AuthorizationError for bad credentials), socket codes don't.
  errorCode: natsErrorCode,
  async createDriver({ url, params, redacted }) {
    const { settings, connection } = settingsFromUrl(url, params, redacted);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({
        servers: connection.servers,
        name: connection.name,
        ...(connection.user !== undefined ? { user: connection.user } : {}),
        ...(connection.pass !== undefined ? { pass: connection.pass } : {}),
        ...(connection.token !== undefined ? { token: connection.token } : {}),
        // Reconnect for as long as the process lives: workers resume by themselves.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: settings.apiTimeoutMs,
        // Async traces make every request (each confirmed publish) build two Error objects up front
        // for their stack: a quarter of the CPU of a send in profiles. Failures still carry the
        // native error; only the caller's frames are missing from its stack.
        noAsyncTraces: true,
      });
      const client = await SdkClient.create(nc, settings.apiTimeoutMs);
      return new NatsDriver({ client, settings });
    } catch (error) {
      // A connection made before JetStream failed to answer is not left open behind the error.
      await nc?.close().catch(() => undefined);
      throw error;
    }
  },
};
