import type { Broker } from '../runtime/broker.js';

/**
 * Makes a broker connection behave as if its process died this instant: its workers stop dead,
 * nothing is acked, released or extended, and the connection drops. Jobs it held come back only
 * the way they would after a real crash (lease expiry, or connection loss on RabbitMQ).
 */
export function simulateCrash(broker: Broker): Promise<void> {
  return broker.abandon();
}
