import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Delivery } from '../driver/delivery.js';
import { ErrorBackoff } from '../driver/kit/error-backoff.js';
import { type Linked, LinkedSet } from '../driver/kit/linked-set.js';
import type { Receiver } from '../driver/receiver.js';
import { ClosedError } from '../errors/closed-error.js';
import { Deque } from '../util/deque.js';
import { TypedEmitter, type WorkerEvents } from './events.js';
import { type HeldBack, HeldBackLeases } from './held-back.js';
import type { Handler } from './job.js';
import { JobRunner, type Settleable } from './job-runner.js';
import { keepProcessAlive } from './keep-alive.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { CloseOptions } from './options.js';
import type { QueueRuntime } from './queue-runtime.js';
import { refillPoint } from './refill-point.js';

/** A delivery from receipt until it is settled or released. */
interface Held extends Settleable, Linked<Held> {
  leaseExpiresAt: number;
  /** Its handler holds one of the `concurrency` slots: from dispatch until the runner is settling it. */
  slot: boolean;
}

/** After a failed receive: 100 ms at first (most faults are a blip), doubling to 5 s while it lasts. */
const RECEIVE_ERROR_BACKOFF = { firstMs: 100, maxMs: 5_000 } as const;

/**
 * Runs a handler over a queue's deliveries: the receive loop, concurrency and prefetch bounds,
 * lease extension and graceful close. What happens to each delivery (attempts, backoff,
 * dead-lettering, handler timeouts) is the JobRunner's.
 */
export class Worker<T = unknown> extends TypedEmitter<WorkerEvents<T>> {
  readonly queue: string;
  readonly concurrency: number;
  readonly #rt: QueueRuntime<T>;
  readonly #runner: JobRunner<T>;
  readonly #clock: Clock;
  readonly #receiver: Receiver;
  readonly #maxUnsettled: number;
  /** Free room that wakes a receive loop waiting for room, while no handler slot is idle. */
  readonly #refillAt: number;
  readonly #buffer = new Deque<Held>();
  /** Buffered and running: a LinkedSet, not a Set, for the young collector's sake (see LinkedSet). */
  readonly #held = new LinkedSet<Held>();
  readonly #heldBack: HeldBackLeases;
  readonly #stopReceiving = new AbortController();
  readonly #leases: LeaseKeeper<Held | HeldBack> | undefined;
  /** Handlers running: deliveries that hold a slot (F1). */
  #running = 0;
  #state: 'running' | 'closing' | 'closed' = 'running';
  #closing: Promise<void> | undefined;
  #loop: Promise<void>;
  #wakeLoop: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];
  /** The process stays alive while the worker runs (see keepProcessAlive). */
  readonly #letProcessExit: () => void;

  /** @internal Created by `Queue.process`. */
  constructor(
    rt: QueueRuntime<T>,
    handler: Handler<T>,
    options: { concurrency: number; prefetch: number; handlerTimeoutMs: number | undefined },
  ) {
    super(rt.logger);
    this.#rt = rt;
    this.queue = rt.topology.name;
    this.#runner = new JobRunner(rt, handler, options.handlerTimeoutMs, {
      emit: (event, ...args) => this.emit(event, ...args),
      listening: (event) => this.hasListeners(event),
      settling: (held) => this.#freeSlot(held as Held),
      finished: (held, bug) => {
        if (bug !== undefined) this.#runtimeError('handle a delivery', bug.error);
        this.#finished(held as Held);
      },
    });
    this.#clock = rt.clock;
    this.concurrency = options.concurrency;
    this.#maxUnsettled = options.concurrency + options.prefetch;
    this.#heldBack = new HeldBackLeases(rt.clock, rt.topology.leaseMs, () => this.#leases?.wake());
    const lease = rt.driver.capabilities.lease;
    if (lease.expires && lease.extendable) {
      this.#leases = new LeaseKeeper(
        this.#clock,
        rt.topology.leaseMs,
        [this.#held, this.#heldBack],
        (held) =>
          held.delivery
            .extendLease(rt.topology.leaseMs)
            .catch((error) =>
              this.#runtimeError(
                this.#heldBack.has(held.delivery) ? 'extend a held-back lease' : 'extend a lease',
                error,
              ),
            ),
        (count) => rt.instrumentation.current?.leaseExtended?.(this.queue, rt.driver.name, count),
      );
    }
    this.#receiver = rt.driver.receiver(rt.topology, {
      leaseMs: rt.topology.leaseMs,
      maxUnsettled: this.#maxUnsettled,
      keepLease: (delivery) => this.#keepLease(delivery),
    });
    this.#refillAt = refillPoint(this.#receiver.batching, options.prefetch, this.#maxUnsettled);
    this.#letProcessExit = keepProcessAlive();
    this.#loop = this.#receiveLoop();
  }

  /** True until close() has begun. */
  get isRunning(): boolean {
    return this.#state === 'running';
  }

  /** Handlers running right now. */
  get active(): number {
    return this.#running;
  }

  /**
   * Stops taking jobs, releases prefetched ones at once, waits for running handlers (up to
   * `timeoutMs`, after which their signals abort and their jobs are released unacked), and
   * resolves. Idempotent: later calls return the same promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs);
    return this.#closing;
  }

  /**
   * @internal Stops dead, as if the process had crashed: no more receives, no lease extensions,
   * no settlements. Used by `simulateCrash` in tests.
   */
  halt(): void {
    this.#state = 'closed';
    this.#stopReceiving.abort(new ClosedError('worker', 'receive'));
    this.#wakeLoop?.();
    this.#leases?.stop();
    this.#heldBack.clear();
    for (const held of this.#held) {
      held.state = 'done';
      held.context?.abort(new ClosedError('worker', 'run after a simulated crash'));
    }
    this.#closing ??= Promise.resolve();
    this.#letProcessExit();
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    this.#state = 'closing';
    this.#stopReceiving.abort(new ClosedError('worker', 'receive'));
    this.#wakeLoop?.();
    await this.#loop;
    await this.#receiver.close().catch((error) => this.#runtimeError('close the receiver', error));
    // The receiver gave back what it held back; whatever it did not is no longer ours to keep.
    this.#heldBack.clear();
    for (let held = this.#buffer.shift(); held; held = this.#buffer.shift()) await this.#release(held);
    // Handlers still running, and settlements still on the wire: only buffered ones were released.
    if (this.#held.size > 0) await this.#waitForHandlers(timeoutMs);
    for (const held of this.#held.toArray()) {
      held.context?.abort(new ClosedError('worker', 'keep running past the close timeout'));
      await this.#release(held);
    }
    this.#leases?.stop();
    this.#state = 'closed';
    this.#letProcessExit();
    this.#rt.forget(this);
    this.emit('closed');
  }

  async #waitForHandlers(timeoutMs: number | undefined): Promise<void> {
    const drained = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    if (timeoutMs === undefined) return drained;
    if (timeoutMs <= 0) return;
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, timeoutMs);
    });
    await Promise.race([drained, timedOut]);
    if (timer) this.#clock.clearTimeout(timer);
  }

  async #receiveLoop(): Promise<void> {
    const backoff = new ErrorBackoff(this.#clock, RECEIVE_ERROR_BACKOFF);
    const signal = this.#stopReceiving.signal;
    while (this.#state === 'running') {
      const room = this.#maxUnsettled - this.#held.size;
      // The refill point (see refillPoint): while every handler slot is busy (running, or about to
      // be from the buffer), wait for enough room to make the receive worth a call. Only an idle
      // slot refills with any room: a dry buffer behind busy slots (a stated refillAt above the
      // prefetch) would otherwise receive a few deliveries at a time.
      const slotIdle = this.#buffer.length === 0 && this.#running < this.concurrency;
      if (room <= 0 || (room < this.#refillAt && !slotIdle)) {
        await new Promise<void>((resolve) => {
          this.#wakeLoop = resolve;
        });
        this.#wakeLoop = undefined;
        continue;
      }
      let deliveries: readonly Delivery[];
      try {
        await this.#rt.ensureProvisioned();
        deliveries = await this.#receiver.receive(room, signal);
        backoff.reset();
      } catch (error) {
        if (this.#state !== 'running') break;
        this.#runtimeError('receive', error);
        // The kit's one error backoff: its pause removes its abort listener when the wait ends, so
        // a broker that stays down does not pile up a listener per failed receive; close() or
        // halt() end it early, and the loop condition then ends the loop.
        await backoff.wait(signal);
        continue;
      }
      const leaseExpiresAt = this.#clock.now() + this.#rt.topology.leaseMs;
      for (const delivery of deliveries) {
        // Held back until now: its lease runs on from where the keeper left it. (Only SQS FIFO
        // holds any back: the size check spares every other receiver a lookup per delivery.)
        const back = this.#heldBack.take(delivery);
        const held: Held = {
          delivery,
          state: 'buffered',
          slot: false,
          leaseExpiresAt: back ?? leaseExpiresAt,
          linkedIn: undefined,
          linkPrev: undefined,
          linkNext: undefined,
        };
        this.#held.add(held);
        // Deliveries that raced with close() are held too: close releases every buffered one.
        this.#buffer.push(held);
      }
      if (deliveries.length > 0) this.#leases?.wake();
      if (this.#state === 'running') this.#dispatch();
    }
  }

  #dispatch(): void {
    while (this.#running < this.concurrency && this.#state === 'running') {
      const held = this.#buffer.shift();
      if (held === undefined) return;
      held.state = 'running';
      held.slot = true;
      this.#running++;
      // Never rejects: the runner reports its end, a bug included, to `finished` (constructor).
      void this.#runner.run(held);
    }
  }

  /**
   * The handler is done: its slot goes to the next buffered delivery while the settlement is on
   * the wire. The delivery stays held, and counted against the unsettled bound, until `#finished`.
   */
  #freeSlot(held: Held): void {
    if (!held.slot) return;
    held.slot = false;
    this.#running--;
    if (this.#state !== 'running') return;
    this.#dispatch();
    // A slot about to sit idle: the loop receives if the bound leaves room.
    if (this.#buffer.length === 0) this.#wakeLoop?.();
  }

  #finished(held: Held): void {
    // A bug before the runner reached the settlement: the slot is freed here.
    this.#freeSlot(held);
    this.#held.delete(held);
    if (this.#state === 'running') {
      // Refill in batches: waking the loop on every finished job would receive one delivery at a
      // time, a receive call per job. A handler slot about to sit idle wakes it at once.
      if (this.#buffer.length === 0 || this.#maxUnsettled - this.#held.size >= this.#refillAt) {
        this.#wakeLoop?.();
      }
    } else if (this.#held.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** `ReceiverOptions.keepLease`: lease a delivery the receiver holds back, until it says stop. */
  #keepLease(delivery: Delivery): () => void {
    if (this.#leases === undefined || this.#state === 'closed') return () => undefined;
    return this.#heldBack.keep(delivery);
  }

  async #release(held: Held): Promise<void> {
    this.#held.delete(held);
    if (held.state === 'done') return;
    held.state = 'done';
    await held.delivery.release().catch((error) => this.#runtimeError('release a job', error));
  }

  #runtimeError(action: string, error: unknown): void {
    this.emit('error', this.#rt.wrapError(error, action));
  }
}
