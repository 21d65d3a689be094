import type { DeadLetterOptions, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import type {
  BusAdmin,
  BusClient,
  BusQueueSettings,
  BusReceiver,
  BusSender,
  BusSessionReceiver,
  PropertyValues,
} from '../../src/index.js';
import type { FakeServiceBus } from './fake-service-bus.js';

/**
 * One client connection to the fake namespace, implementing the adapter's narrow interface as the
 * SDK wrapper does. `manage: false` models a SAS policy with Send and Listen only.
 */
export class FakeBusClient implements BusClient {
  readonly #bus: FakeServiceBus;
  readonly admin: BusAdmin | undefined;
  #closed = false;

  constructor(bus: FakeServiceBus, options: { readonly manage?: boolean } = {}) {
    this.#bus = bus;
    this.admin = new FakeAdmin(bus, options.manage ?? true);
  }

  get native(): FakeServiceBus {
    return this.#bus;
  }

  get closed(): boolean {
    return this.#closed;
  }

  sender(queue: string): BusSender {
    const check = () => this.#check();
    const bus = this.#bus;
    return {
      async sendMessages(messages: ServiceBusMessage[]) {
        check();
        bus.send(queue, messages);
      },
      async scheduleMessages(messages: ServiceBusMessage[], at: Date) {
        check();
        bus.send(queue, messages, at);
      },
    };
  }

  receiver(queue: string, options: { readonly subQueue?: 'deadLetter' } = {}): BusReceiver {
    return new FakeReceiver(this.#bus, queue, options.subQueue, () => this.#check());
  }

  async acceptNextSession(): Promise<BusSessionReceiver | undefined> {
    throw new Error('the fake does not model sessions');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new Error('The client has been closed and can no longer be used.');
  }
}

class FakeReceiver implements BusReceiver {
  readonly #bus: FakeServiceBus;
  readonly #queue: string;
  readonly #subQueue: 'deadLetter' | undefined;
  readonly #clientCheck: () => void;
  #closed = false;
  #peekFrom = 0;

  constructor(bus: FakeServiceBus, queue: string, subQueue: 'deadLetter' | undefined, check: () => void) {
    this.#bus = bus;
    this.#queue = queue;
    this.#subQueue = subQueue;
    this.#clientCheck = check;
  }

  /** Waits up to `maxWaitTimeInMs` (on the bus's clock) for a first message, as the SDK does. */
  async receiveMessages(
    maxMessageCount: number,
    options: { maxWaitTimeInMs: number },
  ): Promise<ServiceBusReceivedMessage[]> {
    this.#check();
    const taken = this.#bus.take(this.#queue, this.#subQueue, maxMessageCount);
    if (taken.length > 0) return taken;
    const entity = this.#bus.entityOrThrow(this.#queue);
    const clock = this.#bus.clock;
    return new Promise((resolve, reject) => {
      const finish = (result: ServiceBusReceivedMessage[]) => {
        entity.waiters.delete(onChange);
        clock.clearTimeout(timer);
        resolve(result);
      };
      const onChange = () => {
        if (this.#closed) return finish([]);
        try {
          const now = this.#bus.take(this.#queue, this.#subQueue, maxMessageCount);
          if (now.length > 0) finish(now);
        } catch (error) {
          entity.waiters.delete(onChange);
          clock.clearTimeout(timer);
          reject(error);
        }
      };
      const timer = clock.setTimeout(() => finish([]), options.maxWaitTimeInMs);
      entity.waiters.add(onChange);
    });
  }

  async peekMessages(maxMessageCount: number): Promise<ServiceBusReceivedMessage[]> {
    this.#check();
    const page = this.#bus.peek(this.#queue, this.#subQueue, this.#peekFrom, maxMessageCount);
    const last = page.at(-1);
    if (last?.sequenceNumber) this.#peekFrom = last.sequenceNumber.toNumber() + 1;
    return page;
  }

  async completeMessage(message: ServiceBusReceivedMessage): Promise<void> {
    this.#check();
    this.#bus.complete(this.#queue, this.#subQueue, message);
  }

  async abandonMessage(
    message: ServiceBusReceivedMessage,
    propertiesToModify?: PropertyValues,
  ): Promise<void> {
    this.#check();
    this.#bus.abandon(this.#queue, this.#subQueue, message, propertiesToModify);
  }

  async deadLetterMessage(
    message: ServiceBusReceivedMessage,
    options?: DeadLetterOptions & PropertyValues,
  ): Promise<void> {
    this.#check();
    this.#bus.deadLetterMessage(this.#queue, this.#subQueue, message, options);
  }

  async renewMessageLock(message: ServiceBusReceivedMessage): Promise<Date> {
    this.#check();
    return this.#bus.renewLock(this.#queue, this.#subQueue, message);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    this.#clientCheck();
    if (this.#closed) throw new Error('The receiver has been closed and can no longer be used.');
  }
}

class FakeAdmin implements BusAdmin {
  readonly #bus: FakeServiceBus;
  readonly #manage: boolean;

  constructor(bus: FakeServiceBus, manage: boolean) {
    this.#bus = bus;
    this.#manage = manage;
  }

  async getQueue(queue: string): Promise<BusQueueSettings | undefined> {
    this.#authorize();
    return this.#bus.entity(queue)?.settings;
  }

  async createQueue(queue: string, settings: BusQueueSettings): Promise<void> {
    this.#authorize();
    this.#bus.createEntity(queue, settings);
  }

  async updateQueue(
    queue: string,
    settings: Pick<BusQueueSettings, 'lockDurationMs' | 'maxDeliveryCount'>,
  ): Promise<void> {
    this.#authorize();
    const entity = this.#bus.entityOrThrow(queue);
    entity.settings = { ...entity.settings, ...settings };
  }

  /** The administration API answers 401 to a SAS policy without Manage. */
  #authorize(): void {
    if (!this.#manage) {
      throw Object.assign(new Error('Unauthorized. Manage claim(s) are required for this operation.'), {
        name: 'RestError',
        statusCode: 401,
      });
    }
  }
}
