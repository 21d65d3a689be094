import type { OutgoingMessage } from '../driver/outgoing-message.js';
import type { MemoryMessage } from './memory-message.js';

const STRIDE = 5;

/**
 * Consecutive plain messages of one send call (no ordering key, delay or dedup id, and a Buffer
 * body), stored as a few arrays instead of objects, until a consumer takes them.
 *
 * Why: a queue nobody is consuming yet keeps every message, and each kept object is copied twice
 * by V8's young-generation collector on its way to the old generation. Kept as objects, a message
 * was six of them (the message, its meta, two boxed numbers, the id and the body's Buffer view),
 * and at a million sends a second that copying was half of `sendBatch`'s time. Here a message
 * keeps only slots in arrays allocated once per run (its id is copied into one buffer); its body stays in the
 * ArrayBuffer it was serialized into (the same bytes, still shared as Node's Buffer pool shares
 * them). A consumer gets an ordinary MemoryMessage, built when it takes the message: an object
 * that lives only while the job is in flight.
 */
export class MessageRun {
  readonly length: number;
  /** The ids, one after the other in one latin1 buffer, when every id is ASCII (core's always are). */
  readonly #idBytes: Buffer | undefined;
  /** Otherwise the id strings themselves. */
  readonly #ids: (string | undefined)[] | undefined;
  readonly #buffers: (ArrayBufferLike | undefined)[];
  readonly #attributes: (Readonly<Record<string, string>> | undefined)[];
  /** Per message, STRIDE numbers: body offset and length, attempt offset, enqueuedAt, id end. Off the JS heap. */
  readonly #numbers: Float64Array;
  #next = 0;

  /** Stores `messages[start]` to `messages[end - 1]`; each must pass `isPlain`. */
  constructor(messages: readonly OutgoingMessage[], start: number, end: number) {
    const length = end - start;
    this.length = length;
    const ids: (string | undefined)[] = new Array(length);
    this.#buffers = new Array(length);
    this.#attributes = new Array(length);
    const n = new Float64Array(STRIDE * length);
    this.#numbers = n;
    let idEnd = 0;
    for (let i = 0; i < length; i++) {
      const { body, attributes, meta } = messages[start + i]!;
      ids[i] = meta.id;
      this.#buffers[i] = body.buffer;
      this.#attributes[i] = attributes;
      n[STRIDE * i] = body.byteOffset;
      n[STRIDE * i + 1] = body.byteLength;
      n[STRIDE * i + 2] = meta.attemptOffset;
      n[STRIDE * i + 3] = meta.enqueuedAt;
      idEnd += meta.id.length;
      n[STRIDE * i + 4] = idEnd;
    }
    // Kept as strings, the ids would be the last object per message left to copy.
    const text = ids.join('');
    const ascii = Buffer.byteLength(text, 'utf8') === text.length;
    this.#idBytes = ascii ? Buffer.from(text, 'latin1') : undefined;
    this.#ids = ascii ? undefined : ids;
  }

  /** Messages not taken yet. */
  get remaining(): number {
    return this.length - this.#next;
  }

  /** Takes the next message, as an object of its own from now on; undefined when none is left. */
  shift(): MemoryMessage | undefined {
    if (this.#next === this.length) return undefined;
    const i = this.#next++;
    const message = this.#message(i);
    // Taken messages are no longer this run's: let their ids and pool slabs go.
    if (this.#ids !== undefined) this.#ids[i] = undefined;
    this.#buffers[i] = undefined;
    this.#attributes[i] = undefined;
    return message;
  }

  /** The messages not taken yet, in order, without taking them (fresh objects). */
  *[Symbol.iterator](): IterableIterator<MemoryMessage> {
    for (let i = this.#next; i < this.length; i++) yield this.#message(i);
  }

  #message(i: number): MemoryMessage {
    const n = this.#numbers;
    const at = STRIDE * i;
    const id =
      this.#idBytes === undefined
        ? this.#ids![i]!
        : this.#idBytes.toString('latin1', i === 0 ? 0 : n[at - 1]!, n[at + 4]!);
    return {
      body: Buffer.from(this.#buffers[i]! as ArrayBuffer, n[at]!, n[at + 1]!),
      attributes: this.#attributes[i]!,
      meta: { id, attemptOffset: n[at + 2]!, enqueuedAt: n[at + 3]! },
      deliveryCount: 0,
      dueAt: 0,
    };
  }
}

/**
 * A message that can go into a run: nothing but an id, attempt offset and enqueue time in its
 * meta (no trace context either), and a Buffer body (so that the Buffer rebuilt over the same bytes is what was sent).
 */
export function isPlain(message: OutgoingMessage): boolean {
  const meta = message.meta;
  return (
    meta.notBefore === undefined &&
    meta.orderingKey === undefined &&
    meta.dedupId === undefined &&
    meta.traceparent === undefined &&
    Buffer.isBuffer(message.body)
  );
}
