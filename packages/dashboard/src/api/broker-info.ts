import type { BackgroundErrorInfo, Broker, BrokerError } from '@polyqueue/core';
import { redactCredentials } from '@polyqueue/core';
import type { InfoResponse, RecentError } from './wire.js';

const KEPT_ERRORS = 20;

/**
 * The broker's background errors (a forwarder that failed, a reconnect), the last few, for the
 * Broker page. Listens from construction until `close()`.
 */
export class RecentErrors {
  readonly #broker: Broker;
  readonly #errors: RecentError[] = [];
  readonly #listener = (error: BrokerError, info: BackgroundErrorInfo) => {
    this.#errors.push({
      at: Date.now(),
      action: info.action,
      ...(info.queue === undefined ? {} : { queue: info.queue }),
      name: error.name,
      message: redactCredentials(error.message),
    });
    if (this.#errors.length > KEPT_ERRORS) this.#errors.shift();
  };

  constructor(broker: Broker) {
    this.#broker = broker;
    broker.on('error', this.#listener);
  }

  list(): readonly RecentError[] {
    return [...this.#errors].reverse();
  }

  close(): void {
    this.#broker.off('error', this.#listener);
  }
}

/** What the Broker page shows. The URL is the broker's own redacted form: no credentials. */
export function describeBroker(broker: Broker): InfoResponse['broker'] {
  const { adapter, url } = broker.toJSON();
  // Through JSON so an unlimited value reads "Infinity", as `broker.capabilities` prints it.
  const capabilities = JSON.parse(JSON.stringify(broker.capabilities)) as Record<string, unknown>;
  return { adapter, url, capabilities };
}
