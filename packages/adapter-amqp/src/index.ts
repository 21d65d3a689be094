import type { AdapterModule, DriverContext } from '@polyqueue/core/driver';
import { type AmqpConnect, type AmqpConnection, amqplibConnect } from './amqp-client.js';
import { AmqpDriver } from './amqp-driver.js';
import { amqpErrorCode } from './amqp-errors.js';
import { managementSecrets } from './amqp-management.js';
import { type AmqpOptions, amqplibUrl, DEFAULT_OPTIONS, PARAMETERS, parseOptions } from './amqp-options.js';

export type {
  AmqpChannel,
  AmqpConfirmChannel,
  AmqpConnect,
  AmqpConnection,
  AmqpMessage,
} from './amqp-client.js';
export { AmqpDriver } from './amqp-driver.js';
export { AmqpNoRouteError, AmqpTimeoutError, AmqpUnavailableError, amqpErrorCode } from './amqp-errors.js';
export type { AmqpOptions, QueueType } from './amqp-options.js';

/**
 * `amqp://user:pass@host:5672/vhost?queue_type=quorum` (and `amqps://`). `connect(url)` finds it
 * by scheme; see README.md for every parameter.
 */
export const adapter: AdapterModule = {
  schemes: ['amqp', 'amqps'],
  parameters: PARAMETERS,
  async createDriver(context: DriverContext) {
    const options = parseOptions(context);
    // amqplib reads `heartbeat` from the URL itself; polyqueue's own parameters are removed.
    // Nagle's algorithm would hold small frames (a lone publish, an ack) for up to ~40 ms.
    const connect = amqplibConnect(amqplibUrl(context.url), { noDelay: true });
    return new AmqpDriver({ ...options, connect, redacted: context.redacted }).open();
  },
  // A failed first connect is coded by the same table as every other error: unreachable is
  // Unavailable (retryable), a refused login (403 ACCESS_REFUSED) PermissionDenied.
  errorCode: amqpErrorCode,
  // The management API's password travels inside a parameter core does not know as secret.
  secrets: (text) => {
    const given = URL.canParse(text) ? new URL(text).searchParams.get('management_url') : null;
    return given === null ? [] : managementSecrets(given);
  },
};

/**
 * A driver on your own amqplib connection(s), for `connect({ driver })`. Pass a factory to keep
 * automatic recovery (it is called again after every connection loss), or a connection you
 * already hold: polyqueue then uses it until it closes and cannot reopen it.
 */
export async function createAmqpDriver(
  client: AmqpConnect | AmqpConnection,
  options: Partial<AmqpOptions> = {},
): Promise<AmqpDriver> {
  const connect: AmqpConnect = typeof client === 'function' ? client : sharedConnection(client);
  return new AmqpDriver({
    ...DEFAULT_OPTIONS,
    ...options,
    connect,
    redacted: 'amqp://(shared client)',
  }).open();
}

function sharedConnection(connection: AmqpConnection): AmqpConnect {
  let given = false;
  return async () => {
    if (given)
      throw new Error(
        'the shared amqplib connection closed; polyqueue cannot reopen a connection it does not own',
      );
    given = true;
    return connection;
  };
}
