import { createHash } from 'node:crypto';
import {
  type BackgroundErrors,
  Forwarder,
  type ForwarderSource,
  type QueueService,
  type SendOutcome,
} from '@polyqueue/core/driver';
import { MOVE_DUE } from './lua-scripts.js';
import type { QueueContext } from './queue-context.js';

/** Entries due within this are held in memory on a timer and moved exactly when due. */
export const HOLD_IN_MEMORY_BELOW_MS = 2_000;
/** Pause after a pull that found nothing due soon: how late a short new delay may be noticed. */
export const FORWARD_IDLE_MS = 100;
export const FORWARD_PULL_SIZE = 200;
/** A member of the delayed sorted set: a whole entry (cmsgpack), scored by its due time. */
interface DelayedMember {
  readonly member: Buffer;
  readonly dueAt: number;
  readonly key: string;
}

const OK: SendOutcome = Object.freeze({ ok: true });

/**
 * The delay path's side of the kit's Forwarder. Pulling only reads the sorted set (entries due
 * within the hold window); publishing is one script that adds each entry to the stream and then
 * removes it from the set, so a forwarder that dies at any point loses nothing and duplicates
 * nothing, and forwarders of several processes may race for one entry: one moves it. There is
 * therefore nothing to ack, hold back or hand back: an entry not moved simply stays in the set.
 *
 * Pulled entries stay in the set while the Forwarder holds them, so the next pull would return
 * them again: the source remembers what it handed out until it is published or given back, and
 * skips those, which lets an idle round be idle.
 */
class DelayedSet implements ForwarderSource<DelayedMember> {
  readonly #queue: QueueContext;
  readonly #outstanding = new Set<string>();

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async pull(max: number): Promise<readonly DelayedMember[]> {
    const { client, clock, keys } = this.#queue;
    const horizon = clock.now() + HOLD_IN_MEMORY_BELOW_MS;
    const reply = (await client.call('ZRANGEBYSCORE', [
      keys.delayed,
      '-inf',
      horizon,
      'WITHSCORES',
      'LIMIT',
      0,
      max + this.#outstanding.size,
    ])) as Buffer[];
    const found: DelayedMember[] = [];
    for (let i = 0; i + 1 < reply.length && found.length < max; i += 2) {
      const member = reply[i]!;
      const key = createHash('sha1').update(member).digest('base64');
      if (this.#outstanding.has(key)) continue;
      this.#outstanding.add(key);
      found.push({ member, key, dueAt: Number(reply[i + 1]!.toString()) });
    }
    return found;
  }

  dueAt(message: DelayedMember): number {
    return message.dueAt;
  }

  key(message: DelayedMember): string {
    return message.key;
  }

  /** Not due within the hold window: it stays in the set, and a later pull brings it. */
  async holdBack(message: DelayedMember): Promise<void> {
    this.#outstanding.delete(message.key);
  }

  async publish(messages: readonly DelayedMember[]): Promise<readonly SendOutcome[]> {
    const { client, keys } = this.#queue;
    await MOVE_DUE.run(
      client,
      [keys.delayed, keys.stream],
      messages.map((message) => message.member),
    );
    // Moved by this script or by another process's forwarder: either way it is in the stream.
    return messages.map(() => OK);
  }

  async ack(messages: readonly DelayedMember[]): Promise<void> {
    for (const message of messages) this.#outstanding.delete(message.key);
  }

  /**
   * Its move failed: it stays in the set for a later pull. A move that keeps failing (a key of the
   * wrong type, out of memory) fails the whole batch, and the kit's Forwarder then backs off its
   * pulls, so no pause of our own is needed against a tight retry loop.
   */
  async handBack(messages: readonly DelayedMember[]): Promise<void> {
    for (const message of messages) this.#outstanding.delete(message.key);
  }
}

/** The queue's delay forwarder, run by QueueServices while a receiver of the queue is open. */
export function delayForwarder(queue: QueueContext, errors: BackgroundErrors): QueueService {
  return new Forwarder(new DelayedSet(queue), {
    clock: queue.clock,
    errors,
    queue: queue.topology.name,
    pullSize: FORWARD_PULL_SIZE,
    holdInMemoryBelowMs: HOLD_IN_MEMORY_BELOW_MS,
    idleMs: FORWARD_IDLE_MS,
  });
}
