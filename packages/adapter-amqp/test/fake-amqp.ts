import { EventEmitter } from 'node:events';
import type { AmqpChannel, AmqpConfirmChannel, AmqpConnect, AmqpConnection } from '../src/amqp-client.js';

/** Every publish the fake saw, in order, with what happened to it. */
export interface Published {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: { headers?: Record<string, unknown>; messageId?: string; mandatory?: boolean };
}

interface FakeMessage {
  content: Buffer;
  properties: { headers: Record<string, unknown>; messageId?: string };
  redelivered: boolean;
}

/** The error amqplib raises when the broker closes a channel (e.g. 404 NOT_FOUND). */
export class FakeChannelError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A narrow in-process stand-in for RabbitMQ behind the AmqpConnection interface: queues, the
 * default exchange, publisher confirms with basic.return for unroutable mandatory publishes,
 * consumers with prefetch, basic.get, and connection loss (unacked messages are requeued).
 * Exchanges other than the default one are only recorded: the delay cascade is the real broker's
 * business, exercised by the conformance suite.
 */
export class FakeBroker {
  readonly queues = new Map<string, { messages: FakeMessage[]; arguments: Record<string, unknown> }>();
  readonly exchanges = new Set<string>();
  readonly published: Published[] = [];
  /** Every operation in order: `publish:<queue>`, `ack:<queue>`, `nack:<queue>`. */
  readonly log: string[] = [];
  /** Every basic.ack frame, and whether it acked all tags up to its own. */
  readonly ackFrames: { multiple: boolean }[] = [];
  readonly connections: FakeConnection[] = [];
  /** While false, connect() fails with ECONNREFUSED. */
  up = true;
  /** When set, confirms for publishes to this routing key are nacked. */
  failPublishesTo: string | undefined;
  /** While true, publish reports a full write buffer (returns false) and emits 'drain' 50 ms later. */
  congested = false;
  /** While true, nothing answers: no confirms, no RPC replies (a silent network partition). */
  silent = false;
  /**
   * While true, a new connection's socket resets while its first channel opens, as a TCP peer
   * that drops connections right after accepting them: 'error' (ECONNRESET) from the event
   * loop, then 'close', and the channel open rejects.
   */
  resetOnOpen = false;
  /** RabbitMQ's max_message_size: a bigger publish closes its channel (406), as RabbitMQ does. */
  maxMessageSize = Number.POSITIVE_INFINITY;

  connect: AmqpConnect = async () => {
    if (!this.up)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    const connection = new FakeConnection(this);
    this.connections.push(connection);
    return connection as unknown as AmqpConnection;
  };

  enqueue(queue: string, message: FakeMessage): void {
    const q = this.queues.get(queue);
    if (!q) throw new Error(`no queue ${queue}`);
    q.messages.push(message);
    for (const connection of this.connections) connection.dispatch();
  }

  /** Drops every connection as a broker restart does; their unacked messages are requeued. */
  dropConnections(): void {
    for (const connection of this.connections.splice(0)) connection.drop();
  }
}

class FakeConnection extends EventEmitter {
  readonly broker: FakeBroker;
  readonly channels: FakeChannel[] = [];
  open = true;

  constructor(broker: FakeBroker) {
    super();
    this.broker = broker;
  }

  async createChannel(): Promise<AmqpChannel> {
    return this.#channel(false) as unknown as AmqpChannel;
  }

  async createConfirmChannel(): Promise<AmqpConfirmChannel> {
    if (this.broker.resetOnOpen) {
      return new Promise((_, reject) =>
        setImmediate(() => {
          this.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
          this.drop();
          reject(new Error('Connection closed (Error: read ECONNRESET)'));
        }),
      );
    }
    return this.#channel(true) as unknown as AmqpConfirmChannel;
  }

  #channel(confirm: boolean): FakeChannel {
    if (!this.open) throw new Error('Connection closed');
    const channel = new FakeChannel(this, confirm);
    this.channels.push(channel);
    return channel;
  }

  async close(): Promise<void> {
    this.drop();
  }

  drop(): void {
    if (!this.open) return;
    this.open = false;
    for (const channel of this.channels) channel.shut();
    this.emit('close', new Error('Connection closed: 320 (CONNECTION-FORCED)'));
  }

  dispatch(): void {
    for (const channel of this.channels) channel.dispatch();
  }
}

class FakeChannel extends EventEmitter {
  readonly connection: FakeConnection;
  readonly confirm: boolean;
  open = true;
  prefetchCount = 0;
  consumers = new Map<string, { queue: string; onMessage: (m: unknown) => void }>();
  unacked = new Map<number, { queue: string; message: FakeMessage }>();
  #tag = 0;

  constructor(connection: FakeConnection, confirm: boolean) {
    super();
    this.connection = connection;
    this.confirm = confirm;
  }

  get broker(): FakeBroker {
    return this.connection.broker;
  }

  #check(): void {
    if (!this.open) throw Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' });
  }

  /** A channel error: the broker closes the channel, and the operation rejects. */
  #fail(code: number, text: string): never {
    const error = new FakeChannelError(code, `Channel closed by server: ${code} (${text})`);
    this.emit('error', error);
    this.shut();
    throw error;
  }

  async assertQueue(queue: string, options: { arguments?: Record<string, unknown> } = {}) {
    this.#check();
    const existing = this.broker.queues.get(queue);
    const args = options.arguments ?? {};
    if (existing && JSON.stringify(existing.arguments) !== JSON.stringify(args)) {
      this.#fail(406, `PRECONDITION_FAILED - inequivalent arg for queue '${queue}'`);
    }
    if (!existing) this.broker.queues.set(queue, { messages: [], arguments: args });
    return { queue, messageCount: 0, consumerCount: 0 };
  }

  async checkQueue(queue: string) {
    this.#check();
    const q = this.broker.queues.get(queue);
    if (!q) this.#fail(404, `NOT_FOUND - no queue '${queue}'`);
    return { queue, messageCount: q.messages.length, consumerCount: 0 };
  }

  async deleteQueue(queue: string) {
    this.broker.queues.delete(queue);
    return { messageCount: 0 };
  }

  async purgeQueue(queue: string) {
    const q = this.broker.queues.get(queue);
    const messageCount = q?.messages.length ?? 0;
    if (q) q.messages = [];
    return { messageCount };
  }

  async assertExchange(exchange: string) {
    this.#check();
    this.broker.exchanges.add(exchange);
    return { exchange };
  }

  async checkExchange(exchange: string) {
    if (!this.broker.exchanges.has(exchange)) this.#fail(404, `NOT_FOUND - no exchange '${exchange}'`);
    return {};
  }

  async bindQueue(queue: string) {
    this.#check();
    if (!this.broker.queues.has(queue)) this.#fail(404, `NOT_FOUND - no queue '${queue}'`);
    return {};
  }

  async bindExchange() {
    this.#check();
    return {};
  }

  async prefetch(count: number) {
    await this.#answer();
    this.prefetchCount = count;
    return {};
  }

  /** An RPC reply: never, while the broker is silent. */
  #answer(): Promise<void> {
    return this.broker.silent ? new Promise(() => {}) : Promise.resolve();
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Published['options'],
    callback: (error: unknown) => void,
  ): boolean {
    this.#check();
    if (content.length > this.broker.maxMessageSize) {
      // RabbitMQ closes the channel asynchronously; amqplib's publish itself does not throw.
      queueMicrotask(() => {
        const error = new FakeChannelError(
          406,
          'Channel closed by server: 406 (PRECONDITION-FAILED) message size larger than configured max size',
        );
        this.emit('error', error);
        this.shut();
        callback(error);
      });
      return true;
    }
    this.broker.published.push({ exchange, routingKey, content, options });
    const message: FakeMessage = {
      content,
      properties: {
        headers: { ...(options.headers ?? {}) },
        ...(options.messageId ? { messageId: options.messageId } : {}),
      },
      redelivered: false,
    };
    queueMicrotask(() => {
      if (this.broker.silent) return; // no confirm, ever
      if (!this.open) return callback(new Error('channel closed'));
      if (exchange === '') {
        if (!this.broker.queues.has(routingKey)) {
          this.emit('return', {
            content,
            fields: { exchange, routingKey, replyCode: 312, replyText: 'NO_ROUTE' },
            properties: message.properties,
          });
        } else if (this.broker.failPublishesTo !== routingKey) {
          this.broker.log.push(`publish:${routingKey}`);
          this.broker.enqueue(routingKey, message);
        }
      } else {
        this.broker.log.push(`publish:${exchange}`);
      }
      callback(this.broker.failPublishesTo === routingKey ? new Error('message nacked') : null);
    });
    if (!this.broker.congested) return true;
    setTimeout(() => this.emit('drain'), 50);
    return false;
  }

  async consume(queue: string, onMessage: (m: unknown) => void) {
    this.#check();
    if (!this.broker.queues.has(queue)) this.#fail(404, `NOT_FOUND - no queue '${queue}'`);
    const consumerTag = `ctag-${this.consumers.size + 1}`;
    this.consumers.set(consumerTag, { queue, onMessage });
    queueMicrotask(() => this.dispatch());
    return { consumerTag };
  }

  async cancel(consumerTag: string) {
    this.consumers.delete(consumerTag);
    return { consumerTag };
  }

  async get(queue: string) {
    this.#check();
    if (!this.broker.queues.has(queue)) this.#fail(404, `NOT_FOUND - no queue '${queue}'`);
    const message = this.broker.queues.get(queue)?.messages.shift();
    return message ? this.#deliver(queue, message) : false;
  }

  /** `allUpTo` acks every unacked tag up to this one, as basic.ack `multiple` does. */
  ack(message: { fields: { deliveryTag: number } }, allUpTo = false): void {
    this.#check();
    const tag = message.fields.deliveryTag;
    if (!this.unacked.has(tag)) throw new Error(`unknown delivery tag ${tag}`);
    this.broker.ackFrames.push({ multiple: allUpTo });
    for (const [held, { queue }] of [...this.unacked]) {
      if (held === tag || (allUpTo && held < tag)) {
        this.unacked.delete(held);
        this.broker.log.push(`ack:${queue}`);
      }
    }
    this.dispatch();
  }

  nack(message: { fields: { deliveryTag: number } }, _all?: boolean, requeue = true): void {
    this.#check();
    const held = this.unacked.get(message.fields.deliveryTag);
    if (!held) throw new Error(`unknown delivery tag ${message.fields.deliveryTag}`);
    this.unacked.delete(message.fields.deliveryTag);
    this.broker.log.push(`nack:${held.queue}`);
    if (requeue) this.#requeue(held);
  }

  async close(): Promise<void> {
    await this.#answer(); // CloseOk
    this.shut();
  }

  shut(): void {
    if (!this.open) return;
    this.open = false;
    // Back at the head, in their original order.
    for (const held of [...this.unacked.values()].reverse()) this.#requeue(held);
    this.unacked.clear();
    this.consumers.clear();
    this.emit('close');
  }

  dispatch(): void {
    for (const { queue, onMessage } of this.consumers.values()) {
      const q = this.broker.queues.get(queue);
      while (
        this.open &&
        q &&
        q.messages.length > 0 &&
        (this.prefetchCount === 0 || this.unacked.size < this.prefetchCount)
      ) {
        onMessage(this.#deliver(queue, q.messages.shift()!));
      }
    }
  }

  #deliver(queue: string, message: FakeMessage) {
    const deliveryTag = ++this.#tag;
    this.unacked.set(deliveryTag, { queue, message });
    return {
      content: message.content,
      fields: { deliveryTag, redelivered: message.redelivered, exchange: '', routingKey: queue },
      properties: message.properties,
    };
  }

  #requeue(held: { queue: string; message: FakeMessage }): void {
    const q = this.broker.queues.get(held.queue);
    if (!q) return;
    held.message.redelivered = true;
    const count = held.message.properties.headers['x-delivery-count'];
    if (q.arguments['x-queue-type'] === 'quorum') {
      held.message.properties.headers['x-delivery-count'] = typeof count === 'number' ? count + 1 : 1;
    }
    q.messages.unshift(held.message);
    queueMicrotask(() => {
      for (const connection of this.broker.connections) connection.dispatch();
    });
  }
}
