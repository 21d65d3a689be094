import type {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  ServiceBusMessage,
  ServiceBusSender,
} from '@azure/service-bus';
import type {
  BusAdmin,
  BusClient,
  BusQueueCounts,
  BusQueueSettings,
  BusReceiver,
  BusSender,
  BusSessionReceiver,
} from './bus-client.js';
import { fromIsoDuration, toIsoDuration } from './iso-duration.js';

/**
 * The narrow interface over the real SDK. Receivers are the SDK's own objects: `ServiceBusReceiver`
 * already has exactly the methods `BusReceiver` names.
 */
export class SdkBusClient implements BusClient {
  readonly #client: ServiceBusClient;
  readonly #ownsClient: boolean;
  readonly #senders = new Map<string, SdkBusSender>();
  readonly admin: BusAdmin | undefined;

  /** `ownsClient`: close the client on close (false when the application gave its own). */
  constructor(
    client: ServiceBusClient,
    admin: ServiceBusAdministrationClient | undefined,
    ownsClient: boolean,
  ) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.admin = admin ? new SdkBusAdmin(admin) : undefined;
  }

  get native(): ServiceBusClient {
    return this.#client;
  }

  sender(queue: string): BusSender {
    let sender = this.#senders.get(queue);
    if (!sender) {
      sender = new SdkBusSender(this.#client.createSender(queue));
      this.#senders.set(queue, sender);
    }
    return sender;
  }

  receiver(queue: string, options: { readonly subQueue?: 'deadLetter' } = {}): BusReceiver {
    return this.#client.createReceiver(queue, {
      receiveMode: 'peekLock',
      // polyqueue extends locks itself while a handler runs, and only then: an SDK that kept
      // renewing would keep a hung handler's job locked for minutes after its lease.
      maxAutoLockRenewalDurationInMs: 0,
      ...(options.subQueue ? { subQueueType: options.subQueue } : {}),
    });
  }

  async acceptNextSession(
    queue: string,
    options: { readonly maxWaitMs: number },
  ): Promise<BusSessionReceiver | undefined> {
    try {
      return await this.#client.acceptNextSession(queue, {
        receiveMode: 'peekLock',
        maxAutoLockRenewalDurationInMs: 0,
        abortSignal: AbortSignal.timeout(options.maxWaitMs),
      });
    } catch (error) {
      // No session with messages in time: the SDK times out or the wait is aborted.
      const code = (error as { code?: unknown; name?: unknown }).code;
      if (code === 'ServiceTimeout' || (error as { name?: unknown }).name === 'AbortError') return undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    const senders = [...this.#senders.values()];
    this.#senders.clear();
    await Promise.allSettled(senders.map((sender) => sender.close()));
    if (this.#ownsClient) await this.#client.close();
  }
}

export class SdkBusSender implements BusSender {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  /**
   * An array given to `ServiceBusSender.sendMessages` must fit one native batch (by bytes); more
   * are split here with `createMessageBatch`, so that any number of messages can be sent.
   */
  async sendMessages(messages: ServiceBusMessage[]): Promise<void> {
    let batch = await this.#sender.createMessageBatch();
    for (const message of messages) {
      if (batch.tryAddMessage(message)) continue;
      if (batch.count === 0) {
        // Too large even alone: let the service say so, with its own MessageSizeExceeded error.
        await this.#sender.sendMessages(message);
        continue;
      }
      await this.#sender.sendMessages(batch);
      batch = await this.#sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) await this.#sender.sendMessages(message);
    }
    if (batch.count > 0) await this.#sender.sendMessages(batch);
  }

  async scheduleMessages(messages: ServiceBusMessage[], at: Date): Promise<void> {
    await this.#sender.scheduleMessages(messages, at);
  }

  close(): Promise<void> {
    return this.#sender.close();
  }
}

export class SdkBusAdmin implements BusAdmin {
  readonly #admin: ServiceBusAdministrationClient;

  constructor(admin: ServiceBusAdministrationClient) {
    this.#admin = admin;
  }

  async getQueue(queue: string): Promise<BusQueueSettings | undefined> {
    try {
      const properties = await this.#admin.getQueue(queue);
      return {
        lockDurationMs: fromIsoDuration(properties.lockDuration),
        maxDeliveryCount: properties.maxDeliveryCount,
        requiresSession: properties.requiresSession,
        requiresDuplicateDetection: properties.requiresDuplicateDetection,
        duplicateDetectionWindowMs: fromIsoDuration(properties.duplicateDetectionHistoryTimeWindow),
      };
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async queueCounts(queue: string): Promise<BusQueueCounts> {
    const counts = await this.#admin.getQueueRuntimeProperties(queue);
    return {
      active: counts.activeMessageCount,
      scheduled: counts.scheduledMessageCount,
      deadLettered: counts.deadLetterMessageCount,
    };
  }

  async queueNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const page of this.#admin.listQueues().byPage({ maxPageSize: 100 }))
      for (const queue of page) if (queue.name.startsWith(prefix)) names.push(queue.name);
    return names;
  }

  async createQueue(queue: string, settings: BusQueueSettings): Promise<void> {
    await this.#admin.createQueue(queue, {
      lockDuration: toIsoDuration(settings.lockDurationMs),
      maxDeliveryCount: settings.maxDeliveryCount,
      requiresSession: settings.requiresSession,
      requiresDuplicateDetection: settings.requiresDuplicateDetection,
      ...(settings.requiresDuplicateDetection
        ? { duplicateDetectionHistoryTimeWindow: toIsoDuration(settings.duplicateDetectionWindowMs) }
        : {}),
    });
  }

  async updateQueue(
    queue: string,
    settings: Pick<BusQueueSettings, 'lockDurationMs' | 'maxDeliveryCount'>,
  ): Promise<void> {
    // The documented flow: read the full properties, change some, write them all back.
    const properties = await this.#admin.getQueue(queue);
    properties.lockDuration = toIsoDuration(settings.lockDurationMs);
    properties.maxDeliveryCount = settings.maxDeliveryCount;
    await this.#admin.updateQueue(properties);
  }
}
