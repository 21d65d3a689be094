import { Deque } from '../util/deque.js';
import type { MemoryMessage } from './memory-message.js';
import { MessageRun } from './message-run.js';

/** One ordering key's lane: its messages in send order; `busy` while its head is out. */
interface Lane {
  readonly key: string;
  readonly messages: Deque<MemoryMessage>;
  busy: boolean;
}

/** What the ready deque holds: an unkeyed message, a run of plain ones, or a lane whose head is deliverable. */
type ReadyEntry = MemoryMessage | MessageRun | Lane;

/**
 * The messages of one memory queue that wait for no timer, in delivery order. Ordering keys get a
 * lane each: only a lane's head is deliverable, and only while no earlier message of that key is
 * out (rules O1, O2). The deque holds only what is deliverable now; a busy lane's queued messages
 * wait in the lane.
 */
export class ReadyMessages {
  readonly #ready = new Deque<ReadyEntry>();
  readonly #lanes = new Map<string, Lane>();
  #count = 0;

  /** Every ready message, deliverable now or queued behind a busy lane's head. */
  get count(): number {
    return this.#count;
  }

  /** True when `shift()` would return a message. */
  get deliverable(): boolean {
    return this.#ready.length > 0;
  }

  /**
   * Adds a message. `returning` marks one coming back (release, lease expiry, retry due): it goes
   * to the front, and an ordered one back to the head of its lane.
   */
  add(message: MemoryMessage, returning: boolean): void {
    const key = message.meta.orderingKey;
    if (key === undefined) {
      if (returning) this.#ready.unshift(message);
      else this.#ready.push(message);
    } else {
      let lane = this.#lanes.get(key);
      if (lane === undefined) {
        lane = { key, messages: new Deque(), busy: false };
        this.#lanes.set(key, lane);
      }
      if (returning && lane.busy) {
        // The lane's head is back: it stays first, and the lane is deliverable again.
        lane.messages.unshift(message);
        lane.busy = false;
        this.#ready.unshift(lane);
      } else {
        lane.messages.push(message);
        if (!lane.busy && lane.messages.length === 1) this.#ready.push(lane);
      }
    }
    this.#count++;
  }

  /** Adds plain messages stored as one run (never empty), behind everything ready. */
  addRun(run: MessageRun): void {
    this.#ready.push(run);
    this.#count += run.length;
  }

  /** Takes the next deliverable message for a consumer; its lane, if any, is busy until `headDone`. */
  shift(): MemoryMessage | undefined {
    const head = this.#ready.peek();
    if (head instanceof MessageRun) return this.#shiftRun(head);
    const entry = this.#ready.shift() as MemoryMessage | Lane | undefined;
    if (entry === undefined) return undefined;
    this.#count--;
    if (!isLane(entry)) return entry;
    entry.busy = true;
    return entry.messages.shift()!;
  }

  #shiftRun(run: MessageRun): MemoryMessage {
    const message = run.shift()!;
    if (run.remaining === 0) this.#ready.shift();
    this.#count--;
    return message;
  }

  /** A lane's head was acked or dead-lettered: the next message of that key may go. */
  headDone(message: MemoryMessage): void {
    const key = message.meta.orderingKey;
    if (key === undefined) return;
    const lane = this.#lanes.get(key);
    if (lane === undefined) return;
    lane.busy = false;
    if (lane.messages.length > 0) this.#ready.push(lane);
    else this.#lanes.delete(key);
  }

  /** True when a due message is the retried head of its (busy) lane rather than a new arrival. */
  isLaneHead(message: MemoryMessage): boolean {
    const key = message.meta.orderingKey;
    return key !== undefined && message.deliveryCount > 0 && this.#lanes.get(key)?.busy === true;
  }

  /** Every ready message in delivery order, without taking any. */
  *[Symbol.iterator](): IterableIterator<MemoryMessage> {
    for (const entry of this.#ready) {
      if (entry instanceof MessageRun) yield* entry;
      else if (isLane(entry)) yield* entry.messages;
      else yield entry;
    }
    for (const lane of this.#lanes.values()) if (lane.busy) yield* lane.messages;
  }

  /**
   * Removes up to `limit` messages for good (redrive, raw reads). Unlike `shift`, a lane is not
   * left busy: what is removed is not in flight.
   */
  takeStored(limit: number): MemoryMessage[] {
    const taken: MemoryMessage[] = [];
    while (taken.length < limit) {
      const head = this.#ready.peek();
      if (head instanceof MessageRun) {
        taken.push(this.#shiftRun(head));
        continue;
      }
      const entry = this.#ready.shift() as MemoryMessage | Lane | undefined;
      if (entry === undefined) break;
      this.#count--;
      if (!isLane(entry)) {
        taken.push(entry);
        continue;
      }
      taken.push(entry.messages.shift()!);
      if (entry.messages.length > 0) this.#ready.unshift(entry);
      else this.#lanes.delete(entry.key);
    }
    return taken;
  }

  /** Removes everything; returns how many messages that was. */
  clear(): number {
    const count = this.#count;
    this.#ready.clear();
    this.#lanes.clear();
    this.#count = 0;
    return count;
  }
}

function isLane(entry: MemoryMessage | Lane): entry is Lane {
  return (entry as Lane).messages !== undefined;
}
