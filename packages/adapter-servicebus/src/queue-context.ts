import type { Clock } from '@polyqueue/core/driver';
import type { BusClient, BusReceiver, BusSessionReceiver } from './bus/bus-client.js';
import type { DeliveryContext, ServiceBusDelivery } from './servicebus-delivery.js';

/** The per-queue bundle the driver hands its receivers and dead-letter store: names, client, tracking. */
export interface QueueContext {
  readonly bus: BusClient;
  /** The queue's native name (prefix included). */
  readonly nativeName: string;
  /** The driver's clock: session lock keeping and parked retries run on it. */
  readonly clock: Clock;
  /** The settlement context for deliveries from `receiver`. */
  context(receiver: BusReceiver | BusSessionReceiver): DeliveryContext;
  /** Registers an unsettled delivery, which a graceful close gives back. */
  track(delivery: ServiceBusDelivery): ServiceBusDelivery;
  /** Registers an SDK receiver, which the driver closes when it closes. */
  opened<R extends BusReceiver | BusSessionReceiver>(receiver: R): R;
  /** Forgets a receiver closed before the driver (a session given up). */
  closed(receiver: BusReceiver | BusSessionReceiver): void;
  alive(): boolean;
  /** Failures of work no caller awaits (lock renewals, parked retries, session closes); never throws. */
  report(action: string, error: unknown): void;
}
