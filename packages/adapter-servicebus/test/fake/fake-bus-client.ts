import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import type {
  BusAdmin,
  BusClient,
  BusQueueCounts,
  BusQueueSettings,
  BusReceiver,
  BusSender,
  BusSessionReceiver,
  DeadLetterProperties,
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
  readonly #sessions = new Set<FakeSessionReceiver>();
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

  /** Waits up to `maxWaitMs` (on the bus's clock) for a session with an available message, and locks it. */
  async acceptNextSession(
    queue: string,
    options: { readonly maxWaitMs: number },
  ): Promise<BusSessionReceiver | undefined> {
    this.#check();
    const bus = this.#bus;
    const accepted = await waitOnEntity(bus, queue, options.maxWaitMs, () => bus.acceptSession(queue));
    if (!accepted) return undefined;
    const receiver = new FakeSessionReceiver(bus, queue, accepted.sessionId, accepted.token, () =>
      this.#check(),
    );
    this.#sessions.add(receiver);
    return receiver;
  }

  /**
   * Closing the connection detaches its links: sessions it held are given up at once (message
   * locks of plain receivers are not tied to the link, and run out as they would).
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const session of this.#sessions) await session.close();
    this.#sessions.clear();
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
    const taken = await waitOnEntity(this.#bus, this.#queue, options.maxWaitTimeInMs, () => {
      if (this.#closed) return [];
      const now = this.#bus.take(this.#queue, this.#subQueue, maxMessageCount);
      return now.length > 0 ? now : undefined;
    });
    return taken ?? [];
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

  async deadLetterMessage(message: ServiceBusReceivedMessage, options?: DeadLetterProperties): Promise<void> {
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

/**
 * Runs `attempt` now and on every change to the entity until it yields a result, or `maxWaitMs`
 * pass on the bus's clock (then undefined): how the SDK's receive and accept calls wait.
 */
async function waitOnEntity<T>(
  bus: FakeServiceBus,
  queue: string,
  maxWaitMs: number,
  attempt: () => T | undefined,
): Promise<T | undefined> {
  const first = attempt();
  if (first !== undefined || maxWaitMs <= 0) return first;
  const entity = bus.entityOrThrow(queue);
  const clock = bus.clock;
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      entity.waiters.delete(onChange);
      clock.clearTimeout(timer);
      settle();
    };
    const onChange = () => {
      try {
        const result = attempt();
        if (result !== undefined) finish(() => resolve(result));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const timer = clock.setTimeout(() => finish(() => resolve(undefined)), maxWaitMs);
    entity.waiters.add(onChange);
  });
}

/** A receiver locked to one session, as `ServiceBusClient.acceptNextSession` returns it. */
class FakeSessionReceiver implements BusSessionReceiver {
  readonly sessionId: string;
  readonly #bus: FakeServiceBus;
  readonly #queue: string;
  readonly #token: string;
  readonly #clientCheck: () => void;
  #closed = false;
  #peekFrom = 0;

  constructor(bus: FakeServiceBus, queue: string, sessionId: string, token: string, check: () => void) {
    this.#bus = bus;
    this.#queue = queue;
    this.sessionId = sessionId;
    this.#token = token;
    this.#clientCheck = check;
  }

  get sessionLockedUntilUtc(): Date {
    return this.#bus.sessionLockedUntil(this.#queue, this.sessionId, this.#token);
  }

  /** Waits up to `maxWaitTimeInMs` for a message of this session; fails once the session lock is lost. */
  async receiveMessages(
    maxMessageCount: number,
    options: { maxWaitTimeInMs: number },
  ): Promise<ServiceBusReceivedMessage[]> {
    this.#check();
    const taken = await waitOnEntity(this.#bus, this.#queue, options.maxWaitTimeInMs, () => {
      if (this.#closed) return [];
      const now = this.#bus.takeFromSession(this.#queue, this.sessionId, this.#token, maxMessageCount);
      return now.length > 0 ? now : undefined;
    });
    return taken ?? [];
  }

  async peekMessages(maxMessageCount: number): Promise<ServiceBusReceivedMessage[]> {
    this.#check();
    const page = this.#bus.peekSession(this.#queue, this.sessionId, this.#peekFrom, maxMessageCount);
    const last = page.at(-1);
    if (last?.sequenceNumber) this.#peekFrom = last.sequenceNumber.toNumber() + 1;
    return page;
  }

  async completeMessage(message: ServiceBusReceivedMessage): Promise<void> {
    this.#checkSession();
    this.#bus.complete(this.#queue, undefined, message);
  }

  async abandonMessage(
    message: ServiceBusReceivedMessage,
    propertiesToModify?: PropertyValues,
  ): Promise<void> {
    this.#checkSession();
    this.#bus.abandon(this.#queue, undefined, message, propertiesToModify);
  }

  async deadLetterMessage(message: ServiceBusReceivedMessage, options?: DeadLetterProperties): Promise<void> {
    this.#checkSession();
    this.#bus.deadLetterMessage(this.#queue, undefined, message, options);
  }

  async renewSessionLock(): Promise<Date> {
    this.#check();
    return this.#bus.renewSession(this.#queue, this.sessionId, this.#token);
  }

  async getSessionState(): Promise<unknown> {
    this.#check();
    return this.#bus.getSessionState(this.#queue, this.sessionId, this.#token);
  }

  async setSessionState(state: unknown): Promise<void> {
    this.#check();
    this.#bus.setSessionState(this.#queue, this.sessionId, this.#token, state);
  }

  /** Gives the session up (the SDK detaches the session link). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#bus.releaseSession(this.#queue, this.sessionId, this.#token);
  }

  #checkSession(): void {
    this.#check();
    this.#bus.checkSession(this.#queue, this.sessionId, this.#token);
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

  async queueCounts(queue: string): Promise<BusQueueCounts> {
    this.#authorize();
    const entity = this.#bus.entity(queue);
    if (entity === undefined)
      throw Object.assign(new Error(`The messaging entity '${queue}' could not be found.`), {
        name: 'RestError',
        statusCode: 404,
      });
    return {
      active: entity.active.length,
      scheduled: entity.scheduled,
      deadLettered: entity.deadLetter.length,
    };
  }

  async queueNames(prefix: string): Promise<string[]> {
    this.#authorize();
    return this.#bus.entityNames().filter((name) => name.startsWith(prefix));
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
