import type { BusClient, BusReceiver, BusSessionReceiver } from './bus/bus-client.js';
import type { DeliveryContext, ServiceBusDelivery } from './servicebus-delivery.js';

/** What a receiver needs from its driver for one queue. */
export interface QueueLink {
  readonly bus: BusClient;
  /** The queue's native name (prefix included). */
  readonly nativeName: string;
  readonly sessions: boolean;
  /** The settlement context for deliveries from `receiver`. */
  context(receiver: BusReceiver | BusSessionReceiver): DeliveryContext;
  /** Registers an unsettled delivery, which a graceful close gives back. */
  track(delivery: ServiceBusDelivery): ServiceBusDelivery;
  /** Registers an SDK receiver, which the driver closes when it closes. */
  opened<R extends BusReceiver | BusSessionReceiver>(receiver: R): R;
  alive(): boolean;
}
