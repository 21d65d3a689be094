import {
  type Batcher,
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import { DEAD_LETTER, EXTEND, RELEASE, RETRY } from './lua-scripts.js';
import type { QueueContext } from './queue-context.js';
import { WORKER_GROUP } from './redis-names.js';
import { decodeEntry, entryFields, type StreamEntry } from './redis-wire.js';

/** `job.raw` on Redis: the stream entry as read, and where it was read from. */
export interface RedisMessage {
  /** The stream's key. */
  readonly stream: string;
  /** The entry id (`<ms>-<seq>`). */
  readonly id: string;
  /** Field names and values, alternating, as Buffers (see the README's wire format). */
  readonly fields: readonly Buffer[];
  /** The consumer (of group `pq`) that holds the entry in the pending-entries list. */
  readonly consumer: string;
}

/**
 * One stream entry a receiver read through the group. It stays in the group's pending-entries
 * list (PEL) until settled; that is its lease, and the PEL's delivery count is its attempt count.
 *
 * - `ack` goes through the receiver's batcher: XACK + XDEL of every entry settled in one tick.
 * - `retry`, `deadLetter`, `release`, `extendLease` are one script each (lua-scripts.ts), which
 *   acts only while the entry is still this delivery's: after its lease expired and another
 *   receiver reclaimed it, the new holder settles it.
 */
export class RedisDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  readonly native: RedisMessage;
  readonly #queue: QueueContext;
  readonly #acks: Batcher<string>;
  /** A second settlement, or one after the driver closed, is a no-op. */
  readonly #once = new SettleOnce(() => this.#queue.alive());

  constructor(queue: QueueContext, message: RedisMessage, deliveryCount: number, acks: Batcher<string>) {
    const decoded = decodeEntry(message);
    this.body = decoded.body;
    this.attributes = decoded.attributes;
    // A foreign entry has no pq-id: its entry id names it, unique within the stream.
    this.meta = { ...decoded.meta, id: decoded.meta.id ?? `${queue.topology.name}:${message.id}` };
    this.deliveryCount = deliveryCount;
    this.native = message;
    this.#queue = queue;
    this.#acks = acks;
  }

  async ack(): Promise<void> {
    if (this.#once.claim()) await this.#acks.add(this.native.id);
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#once.claim()) return;
    const { notBefore: _, ...rest } = this.#fullMeta();
    const due = delayMs > 0 ? this.#queue.clock.now() + delayMs : undefined;
    const meta: JobMeta = {
      ...rest,
      attemptOffset: attempt,
      ...(due !== undefined ? { notBefore: due } : {}),
    };
    const { stream, delayed } = this.#queue.keys;
    await RETRY.run(
      this.#queue.client,
      [stream, delayed],
      [
        ...this.#owner(),
        due === undefined ? '' : String(due),
        ...entryFields(this.body, this.attributes, meta),
      ],
    );
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#once.claim()) return;
    const { stream, dead } = this.#queue.keys;
    await DEAD_LETTER.run(
      this.#queue.client,
      [stream, dead],
      [...this.#owner(), ...entryFields(this.body, this.attributes, this.#fullMeta(), record)],
    );
  }

  async release(): Promise<void> {
    if (!this.#once.claim()) return;
    await RELEASE.run(this.#queue.client, [this.#queue.keys.stream], this.#owner());
  }

  /** Resets the entry's idle time: XAUTOCLAIM reclaims it only a whole lease from now. */
  async extendLease(): Promise<void> {
    if (!this.#once.open) return;
    await EXTEND.run(this.#queue.client, [this.#queue.keys.stream], this.#owner());
  }

  #owner(): string[] {
    return [WORKER_GROUP, this.native.consumer, this.native.id, String(this.deliveryCount)];
  }

  #fullMeta(): JobMeta {
    return completeMeta(this.meta, entryTime(this.native.id));
  }
}

/** The epoch ms in a stream entry id: when Redis added the entry. */
export function entryTime(id: string): number {
  const ms = Number(id.slice(0, id.indexOf('-')));
  return Number.isSafeInteger(ms) ? ms : 0;
}

export type { StreamEntry };
