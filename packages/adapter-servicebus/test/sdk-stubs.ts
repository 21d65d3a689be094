import type {
  ServiceBusAdministrationClient,
  ServiceBusClient,
  ServiceBusMessage,
  ServiceBusMessageBatch,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusReceiverOptions,
  ServiceBusSender,
  ServiceBusSessionReceiver,
  ServiceBusSessionReceiverOptions,
} from '@azure/service-bus';
import Long from 'long';

/** One recorded SDK call: method name and arguments, in call order across all stubs. */
export type Call = [method: string, ...args: unknown[]];

/** A `ServiceBusSender` that records calls; batches hold at most `batchLimit` messages. */
export function stubSender(calls: Call[], batchLimit = 1_000): ServiceBusSender {
  return {
    identifier: 'stub-sender',
    entityPath: 'stub',
    isClosed: false,
    async sendMessages(messages) {
      const sent = isBatch(messages) ? (messages as StubBatch).messages : messages;
      calls.push(['sendMessages', sent]);
    },
    async createMessageBatch() {
      return new StubBatch(batchLimit) as unknown as ServiceBusMessageBatch;
    },
    async scheduleMessages(messages, at) {
      calls.push(['scheduleMessages', messages, at]);
      return [Long.fromNumber(1)];
    },
    async cancelScheduledMessages() {},
    async close() {},
  };
}

class StubBatch {
  readonly messages: ServiceBusMessage[] = [];
  readonly maxSizeInBytes = 262_144;
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  get count() {
    return this.messages.length;
  }
  get sizeInBytes() {
    return this.messages.length;
  }
  tryAddMessage(message: ServiceBusMessage): boolean {
    if (this.messages.length >= this.#limit) return false;
    this.messages.push(message);
    return true;
  }
}

function isBatch(value: unknown): boolean {
  return value instanceof StubBatch;
}

/** A `ServiceBusReceiver` that records settlements and hands out `queue` on receive. */
export function stubReceiver(calls: Call[], queue: ServiceBusReceivedMessage[]): ServiceBusReceiver {
  return {
    identifier: 'stub-receiver',
    entityPath: 'stub',
    receiveMode: 'peekLock',
    isClosed: false,
    subscribe: () => ({ close: async () => {} }),
    getMessageIterator: () => {
      throw new Error('not used by the adapter');
    },
    async receiveMessages(max, options) {
      calls.push(['receiveMessages', max, options]);
      return queue.splice(0, max);
    },
    async receiveDeferredMessages() {
      return [];
    },
    async peekMessages(max) {
      calls.push(['peekMessages', max]);
      return [];
    },
    async close() {},
    async completeMessage(message) {
      calls.push(['completeMessage', message]);
    },
    async abandonMessage(message, properties) {
      calls.push(['abandonMessage', message, properties]);
    },
    async deferMessage() {},
    async deadLetterMessage(message, options) {
      calls.push(['deadLetterMessage', message, options]);
    },
    async renewMessageLock(message) {
      calls.push(['renewMessageLock', message]);
      return new Date(0);
    },
  };
}

/**
 * A `ServiceBusSessionReceiver` for `sessionId`, recording calls (with the session id) and
 * handing out `queue`; its session state starts as `state`. Its lock runs for `lockMs` from now.
 */
export function stubSessionReceiver(
  calls: Call[],
  sessionId: string,
  queue: ServiceBusReceivedMessage[],
  options: { state?: unknown; lockMs?: number } = {},
): ServiceBusSessionReceiver {
  let state = options.state;
  let lockedUntil = new Date(Date.now() + (options.lockMs ?? 30_000));
  return {
    ...stubReceiver(calls, queue),
    sessionId,
    get sessionLockedUntilUtc() {
      return lockedUntil;
    },
    subscribe: () => ({ close: async () => {} }),
    async renewSessionLock() {
      calls.push(['renewSessionLock', sessionId]);
      lockedUntil = new Date(Date.now() + (options.lockMs ?? 30_000));
      return lockedUntil;
    },
    async getSessionState() {
      calls.push(['getSessionState', sessionId]);
      return state;
    },
    async setSessionState(value: unknown) {
      calls.push(['setSessionState', sessionId, value]);
      state = value;
    },
    async close() {
      calls.push(['closeSession', sessionId]);
    },
  };
}

/**
 * A `ServiceBusClient` stand-in: the class has private members, so only its public methods the
 * adapter uses are given, and the object is cast. Its sender and receivers are full SDK interfaces.
 */
export function stubClient(
  calls: Call[],
  received: ServiceBusReceivedMessage[] = [],
  sessions: ServiceBusSessionReceiver[] = [],
): ServiceBusClient {
  const sender = stubSender(calls);
  return {
    /** Hands out `sessions` in turn; then fails as the SDK does when no session comes in time. */
    acceptNextSession: async (queue: string, options: ServiceBusSessionReceiverOptions) => {
      calls.push(['acceptNextSession', queue, options]);
      const session = sessions.shift();
      if (session) return session;
      throw Object.assign(new Error('No session available in time'), {
        name: 'ServiceBusError',
        code: 'ServiceTimeout',
      });
    },
    createSender: (queue: string) => {
      calls.push(['createSender', queue]);
      return sender;
    },
    createReceiver: (queue: string, options: ServiceBusReceiverOptions) => {
      calls.push(['createReceiver', queue, options]);
      return stubReceiver(calls, received);
    },
    close: async () => {},
  } as unknown as ServiceBusClient;
}

/** A received message as the SDK builds it (deliveryCount 0 on the first delivery). */
export function receivedMessage(fields: Partial<ServiceBusReceivedMessage> = {}): ServiceBusReceivedMessage {
  const body = Buffer.from('{"n":1}');
  return {
    body,
    messageId: 'job-1',
    deliveryCount: 0,
    lockToken: 'lock-1',
    sequenceNumber: Long.fromNumber(42),
    enqueuedTimeUtc: new Date(1_000),
    state: 'active',
    applicationProperties: { 'pq-id': 'job-1', 'pq-enqueued-at': '1000', tenant: 't-1' },
    _rawAmqpMessage: { body, bodyType: 'data' },
    ...fields,
  };
}

/** A `ServiceBusAdministrationClient` stand-in recording createQueue / updateQueue. */
export function stubAdmin(calls: Call[], behaviour: { existing?: object; fail?: unknown } = {}) {
  return {
    async getQueue(name: string) {
      calls.push(['getQueue', name]);
      if (behaviour.fail) throw behaviour.fail;
      if (!behaviour.existing) throw Object.assign(new Error('Not found'), { statusCode: 404 });
      return { ...behaviour.existing };
    },
    async createQueue(name: string, options: object) {
      calls.push(['createQueue', name, options]);
      return {};
    },
    async updateQueue(properties: object) {
      calls.push(['updateQueue', properties]);
      return properties;
    },
  } as unknown as ServiceBusAdministrationClient;
}
