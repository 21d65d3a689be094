import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Batcher, type Delivery, type Receiver } from '@polyqueue/core/driver';
import { ACK, FORGET_CONSUMER, RECLAIM } from './lua-scripts.js';
import type { QueueContext } from './queue-context.js';
import type { BlockingConnection } from './redis-client.js';
import { RedisDelivery, type RedisMessage } from './redis-delivery.js';
import { WORKER_GROUP } from './redis-names.js';
import { toEntries } from './redis-wire.js';

/** Most entries one ack script settles: XACK and XDEL take them in one call each. */
export const ACK_BATCH = 500;

/**
 * How often a receiver looks for entries whose lease ran out: an eighth of the lease, between
 * 100 and 200 ms. An expired lease is noticed that late at most (the blocking read is no longer),
 * which keeps lease expiry inside the declared timing tolerance; on an idle queue it costs one
 * XAUTOCLAIM and one XREADGROUP per period and receiver.
 */
export function reclaimEveryMs(leaseMs: number): number {
  return Math.min(200, Math.max(100, Math.floor(leaseMs / 8)));
}

/**
 * One worker's receiver: a consumer of its own in the queue's group, named for the host and
 * process (visible in XINFO CONSUMERS), reading on a connection of its own.
 *
 * Each receive first reclaims expired leases when one reclaim period has passed (XAUTOCLAIM
 * with min-idle = the lease, plus each entry's delivery count from the PEL), then reads new
 * entries with XREADGROUP ... BLOCK. The blocking read is short (at most the reclaim period), so
 * that reclaims keep their pace on an idle queue and a receive ends soon after its signal aborts;
 * what a read brings after the abort is handed out all the same, and the closing worker releases it.
 */
export class RedisReceiver implements Receiver {
  readonly #queue: QueueContext;
  /** Starts the queue's background services (the forwarder); returns their release. */
  readonly #acquire: () => () => void;
  readonly #consumer = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #reclaimEveryMs: number;
  readonly #blockMs: number;
  readonly #acks: Batcher<string>;
  #connection: BlockingConnection | undefined;
  #releaseServices: (() => void) | undefined;
  #state: 'new' | 'open' | 'closed' = 'new';
  #cursor = '0-0';
  #nextReclaimAt = Number.NEGATIVE_INFINITY;

  constructor(queue: QueueContext, acquire: () => () => void, leaseMs: number) {
    this.#queue = queue;
    this.#acquire = acquire;
    this.#reclaimEveryMs = reclaimEveryMs(leaseMs);
    this.#blockMs = Math.min(queue.maxBlockMs, this.#reclaimEveryMs);
    const { client, keys } = queue;
    this.#acks = new Batcher<string>({
      maxSize: ACK_BATCH,
      flushAll: async (ids) => {
        await ACK.run(client, [keys.stream], [WORKER_GROUP, ...ids]);
      },
    });
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly Delivery[]> {
    if (this.#state === 'closed' || signal.aborted) return [];
    if (this.#state === 'new') {
      this.#state = 'open';
      this.#releaseServices = this.#acquire();
      this.#connection = this.#queue.client.blocking();
    }
    const now = this.#queue.clock.now();
    if (now >= this.#nextReclaimAt) {
      const reclaimed = await this.#reclaim(max);
      // A full batch, or a scan not finished: look again at once; else wait a period.
      if (reclaimed.length < max && this.#cursor === '0-0') this.#nextReclaimAt = now + this.#reclaimEveryMs;
      if (reclaimed.length > 0) return reclaimed;
    }
    return this.#read(max);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    if (!wasOpen) return;
    this.#connection?.close();
    this.#releaseServices?.();
    await this.#acks.drain();
    // Deliveries handed out may still be running: the consumer is removed only when it holds none.
    if (this.#queue.alive())
      await FORGET_CONSUMER.run(
        this.#queue.client,
        [this.#queue.keys.stream],
        [WORKER_GROUP, this.#consumer],
      );
  }

  async #reclaim(max: number): Promise<Delivery[]> {
    const { client, keys, topology } = this.#queue;
    const reply = (await RECLAIM.run(
      client,
      [keys.stream],
      [WORKER_GROUP, this.#consumer, topology.leaseMs, this.#cursor, max],
    )) as [Buffer, unknown, number[]];
    this.#cursor = String(reply[0]);
    const counts = reply[2];
    return toEntries(reply[1]).map((entry, i) => this.#delivery(entry.id, entry.fields, counts[i] ?? 1));
  }

  async #read(max: number): Promise<Delivery[]> {
    const connection = this.#connection!;
    const reply = await connection.call('XREADGROUP', [
      'GROUP',
      WORKER_GROUP,
      this.#consumer,
      'COUNT',
      max,
      'BLOCK',
      this.#blockMs,
      'STREAMS',
      this.#queue.keys.stream,
      '>',
    ]);
    // null when the block ran out; else [[stream, entries]].
    if (!Array.isArray(reply) || reply.length === 0) return [];
    const [, entries] = reply[0] as [Buffer, unknown];
    return toEntries(entries).map((entry) => this.#delivery(entry.id, entry.fields, 1));
  }

  #delivery(id: string, fields: readonly Buffer[], deliveryCount: number): Delivery {
    const message: RedisMessage = { stream: this.#queue.keys.stream, id, fields, consumer: this.#consumer };
    return new RedisDelivery(this.#queue, message, deliveryCount, this.#acks);
  }
}
