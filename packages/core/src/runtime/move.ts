import type { Delivery } from '../driver/delivery.js';
import type { OutgoingMessage } from '../driver/outgoing-message.js';
import type { Receiver } from '../driver/receiver.js';
import { ConfigError } from '../errors/config-error.js';
import { HeldBackLeases } from './held-back.js';
import { keepProcessAlive } from './keep-alive.js';
import { LeaseKeeper } from './lease-keeper.js';
import { movedMessage } from './move-message.js';
import type { MovedJob, MoveOptions, MoveResult } from './move-options.js';
import { MovePace } from './move-pace.js';
import { type Queue, queueRuntime } from './queue.js';
import type { QueueRuntime } from './queue-runtime.js';

/** A delivery the move holds, with its lease as the lease keeper extends it. */
interface Held {
  readonly delivery: Delivery;
  leaseExpiresAt: number;
}

const BATCHES_IN_FLIGHT = 4;
const MAX_BATCH = 100;

/**
 * Moves the deliverable jobs of `from` to `to`, typically the same queue on another broker,
 * without running a handler: each keeps its id, attributes, attempt count, enqueuedAt and trace
 * context (see `movedMessage`). At-least-once: a batch is published to the target, confirmed, and
 * only then acked on the source. A job the target refuses is released on the source (not counted
 * as an attempt where the broker allows it) and the move rejects with that error once what it
 * holds is settled; run it again to go on. Any other failure (a receive, an ack) ends the move the
 * same way: it does not retry on its own. A move killed outright loses nothing: what it held comes
 * back on the source when its lease expires or its connection drops.
 *
 * Jobs still delayed on the source (a delayed send, a retry in backoff) are not deliverable yet:
 * they stay there until due. Run the move again then, or keep a worker on the source until
 * `stats()` shows none delayed.
 */
export async function moveJobs(
  from: Queue<unknown, never>,
  to: Queue<unknown, never>,
  options: MoveOptions = {},
): Promise<MoveResult> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1))
    throw new ConfigError(`limit must be an integer >= 1, got ${options.limit}`);
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0))
    throw new ConfigError(`ratePerSecond must be a number > 0, got ${rate}`);
  const idleMs = options.idleMs ?? 2_000;
  if (!(idleMs > 0)) throw new ConfigError(`idleMs must be > 0 (or Infinity), got ${idleMs}`);
  const source = queueRuntime(from);
  const target = queueRuntime(to);
  source.assertOpen('move jobs');
  target.assertOpen('move jobs');
  await Promise.all([source.ensureProvisioned(), target.ensureProvisioned()]);
  return new Move(source, target, { ...options, limit, idleMs }).run();
}

class Move {
  readonly #source: QueueRuntime<unknown>;
  readonly #target: QueueRuntime<unknown>;
  readonly #options: MoveOptions & { readonly limit: number; readonly idleMs: number };
  readonly #batchSize: number;
  readonly #maxUnsettled: number;
  readonly #pace: MovePace | undefined;
  readonly #held = new Set<Held>();
  readonly #heldBack: HeldBackLeases;
  readonly #batches = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #leases: LeaseKeeper<Held> | undefined;
  #moved = 0;
  #failure: { error: Error } | undefined;

  constructor(
    source: QueueRuntime<unknown>,
    target: QueueRuntime<unknown>,
    options: MoveOptions & { readonly limit: number; readonly idleMs: number },
  ) {
    this.#source = source;
    this.#target = target;
    this.#options = options;
    this.#batchSize = Math.min(MAX_BATCH, target.driver.capabilities.maxBatchSize);
    this.#maxUnsettled = this.#batchSize * BATCHES_IN_FLIGHT;
    this.#pace =
      options.ratePerSecond === undefined ? undefined : new MovePace(source.clock, options.ratePerSecond);
    this.#heldBack = new HeldBackLeases(source.clock, source.topology.leaseMs, () => this.#leases?.wake());
    const { lease } = source.driver.capabilities;
    // A slow target must not let a held job's lease lapse: it would go to a worker on the source too.
    if (lease.expires && lease.extendable) {
      const leaseMs = source.topology.leaseMs;
      // A failed extension risks a duplicate, never a loss: logged, and the move goes on.
      this.#leases = new LeaseKeeper(source.clock, leaseMs, [this.#held, this.#heldBack], (held) =>
        held.delivery
          .extendLease(leaseMs)
          .catch((error) => source.logger.error('polyqueue move', source.wrapError(error, 'extend a lease'))),
      );
    }
  }

  async run(): Promise<MoveResult> {
    const { signal } = this.#options;
    const onAbort = () => this.#stop.abort();
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const letProcessExit = keepProcessAlive();
    const receiver = this.#source.driver.receiver(this.#source.topology, {
      leaseMs: this.#source.topology.leaseMs,
      maxUnsettled: this.#maxUnsettled,
      keepLease: (delivery) => this.#keepLease(delivery),
    });
    let ended: MoveResult['ended'];
    try {
      ended = await this.#receiveLoop(receiver);
    } finally {
      await Promise.all(this.#batches);
      this.#leases?.stop();
      await receiver
        .close()
        .catch((error) => this.#fail(this.#source.wrapError(error, 'close the receiver')));
      this.#heldBack.clear();
      signal?.removeEventListener('abort', onAbort);
      letProcessExit();
    }
    if (this.#failure !== undefined) throw this.#failure.error;
    return { moved: this.#moved, ended };
  }

  async #receiveLoop(receiver: Receiver): Promise<MoveResult['ended']> {
    const { clock } = this.#source;
    const stop = this.#stop.signal;
    let lastReceivedAt = clock.now();
    for (;;) {
      if (this.#failure !== undefined || stop.aborted) return 'stopped';
      const wanted = this.#options.limit - this.#moved - this.#held.size;
      const room = this.#maxUnsettled - this.#held.size;
      if (wanted <= 0 && this.#held.size === 0) return 'limit';
      if (wanted <= 0 || room <= 0) {
        await Promise.race(this.#batches);
        continue;
      }
      let max = Math.min(room, wanted, this.#batchSize);
      if (this.#pace !== undefined) {
        max = Math.min(max, this.#pace.burst);
        await this.#pace.turn(stop);
        if (stop.aborted) continue;
      }
      const deliveries = await this.#receive(receiver, max);
      if (deliveries === undefined) continue;
      if (deliveries.length === 0) {
        // Nothing deliverable for idleMs: drained (what is delayed on the source stays there).
        if (clock.now() - lastReceivedAt >= this.#options.idleMs) return 'drained';
        continue;
      }
      lastReceivedAt = clock.now();
      this.#pace?.took(deliveries.length);
      const batch: Held[] = deliveries.map((delivery) => this.#hold(delivery));
      this.#leases?.wake();
      // Received as the stop came: not ours to move any more.
      if (stop.aborted) await Promise.all(batch.map((held) => this.#release(held)));
      else this.#track(this.#moveBatch(batch));
    }
  }

  /** One receive, ended after idleMs of nothing or at the stop; undefined when it failed. */
  async #receive(receiver: Receiver, max: number): Promise<readonly Delivery[] | undefined> {
    const { clock } = this.#source;
    const window = new AbortController();
    const end = () => window.abort();
    this.#stop.signal.addEventListener('abort', end, { once: true });
    // Following (idleMs Infinity): no window, the receiver's long poll paces the wait.
    const follow = this.#options.idleMs === Number.POSITIVE_INFINITY;
    const timer = follow ? undefined : clock.setTimeout(end, this.#options.idleMs);
    try {
      return await receiver.receive(max, window.signal);
    } catch (error) {
      this.#fail(this.#source.wrapError(error, 'receive'));
      return undefined;
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', end);
    }
  }

  /** Publish to the target, confirmed; then ack on the source. Whatever the target refused is released. */
  async #moveBatch(batch: readonly Held[]): Promise<void> {
    const { driver, topology } = this.#target;
    const now = this.#source.clock.now();
    // A message the target cannot take (too large there) fails alone; the rest of the batch goes.
    const outcomes: { ok: boolean; error?: unknown }[] = new Array(batch.length);
    const messages: OutgoingMessage[] = [];
    const sent: number[] = [];
    batch.forEach((held, i) => {
      try {
        messages.push(movedMessage(held.delivery, driver.capabilities, now));
        sent.push(i);
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    });
    try {
      const results = messages.length === 0 ? [] : await driver.send(topology, messages);
      sent.forEach((i, n) => {
        outcomes[i] = results[n] ?? { ok: false, error: new Error('send returned no outcome') };
      });
    } catch (error) {
      for (const i of sent) outcomes[i] = { ok: false, error };
    }
    const moved: MovedJob[] = [];
    await Promise.all(
      batch.map(async (held, i) => {
        const outcome = outcomes[i];
        if (!outcome?.ok) {
          this.#fail(this.#target.wrapError(outcome?.error, 'send'));
          return this.#release(held);
        }
        try {
          await held.delivery.ack();
          const { id, enqueuedAt } = held.delivery.meta;
          moved.push({ id, enqueuedAt: enqueuedAt ?? now });
        } catch (error) {
          // On the target already; the source delivers it again, and a rerun moves a duplicate.
          this.#fail(this.#source.wrapError(error, 'ack'));
        } finally {
          this.#held.delete(held);
        }
      }),
    );
    this.#moved += moved.length;
    if (moved.length > 0) this.#options.onProgress?.(this.#moved, moved);
  }

  #hold(delivery: Delivery): Held {
    const held: Held = {
      delivery,
      leaseExpiresAt:
        this.#heldBack.take(delivery) ?? this.#source.clock.now() + this.#source.topology.leaseMs,
    };
    this.#held.add(held);
    return held;
  }

  async #release(held: Held): Promise<void> {
    this.#held.delete(held);
    await held.delivery.release().catch((error) => this.#fail(this.#source.wrapError(error, 'release')));
  }

  /** `ReceiverOptions.keepLease`: lease a delivery the receiver holds back, until it says stop. */
  #keepLease(delivery: Delivery): () => void {
    return this.#leases === undefined ? () => undefined : this.#heldBack.keep(delivery);
  }

  #track(batch: Promise<void>): void {
    // Only a throwing onProgress can reject here; it ends the move like any other failure.
    const tracked: Promise<void> = batch
      .catch((error) => this.#fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => this.#batches.delete(tracked));
    this.#batches.add(tracked);
  }

  /** The first failure ends the move; later ones are consequences of the same fault. */
  #fail(error: Error): void {
    this.#failure ??= { error };
    this.#stop.abort();
  }
}
