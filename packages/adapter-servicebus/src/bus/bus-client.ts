import type { DeadLetterOptions, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';

/**
 * The narrow interface between the driver and Service Bus: the handful of SDK operations the
 * driver uses, typed with the SDK's own message types. `SdkBusClient` implements it over
 * `@azure/service-bus`; the tests' in-process fake implements it as a model of the broker.
 *
 * Obligations of every implementation (the SDK's own behaviour, which the driver relies on):
 * - Receivers are peek-lock: a received message stays invisible to others until it is completed,
 *   abandoned, dead-lettered, or its lock expires; expiry and abandon raise its delivery count.
 * - `deliveryCount` is reported as the JS SDK reports it: the AMQP header's count of *earlier*
 *   deliveries, so 0 on the first delivery.
 * - Errors are rejected as the SDK raises them (`ServiceBusError` with its `code`, `RestError`
 *   with its `statusCode` from the administration API), never swallowed.
 */
export interface BusClient {
  /** A sender for one queue, reused across calls. */
  sender(queue: string): BusSender;
  /** A peek-lock receiver on the queue, or on its dead-letter sub-queue. */
  receiver(queue: string, options?: { readonly subQueue?: 'deadLetter' }): BusReceiver;
  /**
   * Locks the next session that has messages, or resolves `undefined` when none is available
   * within `maxWaitMs` (the SDK's `ServiceBusError` code `ServiceTimeout`, mapped here).
   */
  acceptNextSession(
    queue: string,
    options: { readonly maxWaitMs: number },
  ): Promise<BusSessionReceiver | undefined>;
  /** Entity management; undefined when the client cannot manage (a user-given client without one). */
  readonly admin: BusAdmin | undefined;
  /** What `driver.native()` returns: the `ServiceBusClient`, or the fake. */
  readonly native: unknown;
  close(): Promise<void>;
}

export interface BusSender {
  /** Sends every message, splitting into as many native batches as their size needs. */
  sendMessages(messages: ServiceBusMessage[]): Promise<void>;
  /** Schedules every message for `at` (`ServiceBusSender.scheduleMessages`). */
  scheduleMessages(messages: ServiceBusMessage[], at: Date): Promise<void>;
}

/** Application properties as Service Bus accepts them. */
export type PropertyValues = { [key: string]: number | boolean | string | Date | null };
/** What a dead-letter operation adds to the message: the native reason and description, and properties. */
export type DeadLetterProperties = Partial<DeadLetterOptions> & PropertyValues;

/** A subset of `ServiceBusReceiver`, method for method: the SDK receiver satisfies it as it is. */
export interface BusReceiver {
  receiveMessages(
    maxMessageCount: number,
    options: { maxWaitTimeInMs: number; abortSignal?: AbortSignal },
  ): Promise<ServiceBusReceivedMessage[]>;
  /** Continues from the previous peek of the same receiver, as the SDK does. */
  peekMessages(maxMessageCount: number): Promise<ServiceBusReceivedMessage[]>;
  completeMessage(message: ServiceBusReceivedMessage): Promise<void>;
  abandonMessage(message: ServiceBusReceivedMessage, propertiesToModify?: PropertyValues): Promise<void>;
  /** The reason and description may be left out: the SDK then sends none (see dead-letter-fit.ts). */
  deadLetterMessage(message: ServiceBusReceivedMessage, options?: DeadLetterProperties): Promise<void>;
  renewMessageLock(message: ServiceBusReceivedMessage): Promise<Date>;
  close(): Promise<void>;
}

/**
 * A subset of `ServiceBusSessionReceiver`: a receiver holding one session's lock. Service Bus
 * gives a session to one receiver at a time and delivers its messages in send order; the
 * messages' locks are the session lock (renewed with `renewSessionLock`, not per message). An
 * abandoned message stays first in its session. Once the lock is lost (expiry, a dropped link),
 * every call fails with `SessionLockLost` and the session's unsettled messages come back to
 * whoever accepts it next. `close()` gives the session up.
 */
export interface BusSessionReceiver extends Omit<BusReceiver, 'renewMessageLock'> {
  readonly sessionId: string;
  /** When the session lock runs out unless renewed. */
  readonly sessionLockedUntilUtc: Date;
  renewSessionLock(): Promise<Date>;
  /** The session's state (any value a client stored; undefined when none). */
  getSessionState(): Promise<unknown>;
  setSessionState(state: unknown): Promise<void>;
}

/** The queue settings polyqueue reads and writes, in polyqueue's units. */
export interface BusQueueSettings {
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly requiresSession: boolean;
  readonly requiresDuplicateDetection: boolean;
  /** Meaningful only with duplicate detection. */
  readonly duplicateDetectionWindowMs: number;
}

/** A queue's runtime message counts, as the administration API reports them. */
export interface BusQueueCounts {
  /** Available and locked alike: Service Bus does not count locked (in-flight) messages apart. */
  readonly active: number;
  /** Scheduled for a later enqueue time. */
  readonly scheduled: number;
  /** In the queue's dead-letter sub-queue. */
  readonly deadLettered: number;
}

/** `ServiceBusAdministrationClient`, narrowed. Every call needs the Manage right. */
export interface BusAdmin {
  /** The queue's runtime counts; rejects with the API's 404 when it does not exist. */
  queueCounts(queue: string): Promise<BusQueueCounts>;
  /** The names of the namespace's queues that start with `prefix`, read page by page. */
  queueNames(prefix: string): Promise<string[]>;
  /** The queue's settings, or undefined when it does not exist. */
  getQueue(queue: string): Promise<BusQueueSettings | undefined>;
  createQueue(queue: string, settings: BusQueueSettings): Promise<void>;
  /** Changes only the settings Service Bus allows to change on an existing queue. */
  updateQueue(
    queue: string,
    settings: Pick<BusQueueSettings, 'lockDurationMs' | 'maxDeliveryCount'>,
  ): Promise<void>;
}
