import type { Delivery } from '../driver/delivery.js';
import { toError } from '../errors/to-error.js';
import type { ProcessScope } from '../instrument/instrumentation.js';
import type { DeadLetterRecord } from '../wire/job-meta.js';
import { decodeDelivery } from './decode-delivery.js';
import type { WorkerEvents } from './events.js';
import { deadLetterRecord, settlementFor } from './failure-policy.js';
import type { Handler, Job } from './job.js';
import { JobContextImpl } from './job-context.js';
import type { QueueRuntime } from './queue-runtime.js';

/** A delivery being handled, and whether it is still this runner's to settle. */
export interface Settleable {
  readonly delivery: Delivery;
  /** `done` once settled or released; a handler finishing after that settles nothing. */
  state: 'buffered' | 'running' | 'done';
  context?: JobContextImpl;
}

/** How one delivery ended. `unsettled`: settling failed, so the broker will deliver it again. */
export type JobOutcome = 'completed' | 'retrying' | 'dead-lettered' | 'released' | 'unsettled';

export type EmitEvent<T> = <K extends keyof WorkerEvents<T> & string>(
  event: K,
  ...args: WorkerEvents<T>[K]
) => void;

/** Where a runner's events go: the worker or delivery handler that owns it. */
export interface RunnerEvents<T> {
  readonly emit: EmitEvent<T>;
  /** True when `event` has a listener: a per-job event nobody hears is not built. */
  readonly listening: (event: keyof WorkerEvents<T> & string) => boolean;
  /**
   * Called once a delivery is done with (settled, released or left unsettled), from `run`'s own
   * frame; `bug` when `run` threw, which it then does not. Why here and not a wrapper around
   * `run`: that was one more async frame, promise and await per job, about a tenth of what a job
   * allocates, and allocation is what sets the young collector's pace and so the latency tail.
   */
  readonly finished?: (held: Settleable, bug?: { readonly error: unknown }) => void;
  /**
   * Called at most once per delivery, from `run`'s own frame, when no handler code runs for it
   * any more and the runner is about to wait for the broker's answer to its settlement (an ack on
   * the wire, a retry, a dead letter). Why: that answer is a round trip on most brokers, and a
   * handler slot held across it sat idle. F1 bounds handlers that run; the delivery stays
   * unsettled, and counted by F2, until `finished`. Not called for an ack done on return (memory,
   * NATS): `finished` follows at once, and the slot is freed there, in the same order as before.
   */
  readonly settling?: (held: Settleable) => void;
}

/**
 * The per-delivery policy, in one place: decode, count attempts, run the handler under its
 * timeout, then ack, retry after backoff, or dead-letter with metadata. Workers use it behind
 * their receive loop; Lambda and push endpoints use it on deliveries the platform hands them.
 */
export class JobRunner<T> {
  readonly #rt: QueueRuntime<T>;
  readonly #handler: Handler<T>;
  readonly #handlerTimeoutMs: number | undefined;
  readonly #emit: EmitEvent<T>;
  readonly #listening: RunnerEvents<T>['listening'];
  readonly #finished: RunnerEvents<T>['finished'];
  readonly #settling: RunnerEvents<T>['settling'];

  constructor(
    rt: QueueRuntime<T>,
    handler: Handler<T>,
    handlerTimeoutMs: number | undefined,
    events: RunnerEvents<T>,
  ) {
    this.#rt = rt;
    this.#handler = handler;
    this.#handlerTimeoutMs = handlerTimeoutMs;
    this.#emit = events.emit;
    this.#listening = events.listening;
    this.#finished = events.finished;
    this.#settling = events.settling;
  }

  /**
   * Handles one delivery to the end and says how it was settled. Without `events.finished`, a
   * throw (only a bug: a schema that throws, a broken serializer) rejects; with it, the throw goes
   * to `finished` instead. The job stays unsettled either way, so its lease lapses and it is
   * delivered again: nothing is lost. One async frame on purpose (see `RunnerEvents.finished`).
   */
  async run(held: Settleable): Promise<JobOutcome> {
    let bug: { error: unknown } | undefined;
    try {
      // Decoding is synchronous unless a schema validates asynchronously; awaiting a plain value
      // would still cost a microtask per job.
      const decoding = decodeDelivery(this.#rt, held.delivery);
      const decoded = decoding instanceof Promise ? await decoding : decoding;
      // Settlements are awaited here, not returned: `finally` must see the delivery done with.
      if (!decoded.ok) return await this.#deadLetter(held, undefined, decoded.record);
      const job = decoded.job;
      const { maxAttempts } = this.#rt.topology;
      if (job.attempt > maxAttempts) {
        // Only crashes get here: every handled attempt settles, so attempts ran out unsettled (R6).
        const error = exhaustedError(job, maxAttempts);
        return await this.#deadLetter(
          held,
          job,
          deadLetterRecord(this.#rt, job.attempt - 1, 'exhausted', error),
        );
      }
      const context = new JobContextImpl();
      held.context = context;
      // Read only for a 'completed' listener: a clock read per job is a few percent of a memory job.
      // (A listener added while the job runs hears from the next job on.)
      const started = this.#listening('completed') ? this.#rt.clock.now() : undefined;
      // Instrumentation (tracing) wraps the handler only when installed: no closure otherwise.
      const scope = this.#rt.instrumentation.current?.process(
        this.#rt.topology.name,
        this.#rt.driver.name,
        job,
      );
      let failure: Error | undefined;
      try {
        await (scope ? this.#invokeIn(scope, job, context) : this.#invoke(job, context));
      } catch (thrown) {
        failure = toError(thrown);
        scope?.failed(failure);
      } finally {
        context.finish();
      }
      if (failure !== undefined) return await this.#failed(held, job, failure, scope);
      if (held.state === 'done') return released(scope);
      held.state = 'done';
      try {
        // Undefined when the ack was done synchronously: no await, no promise.
        const acking = this.#answer(held, held.delivery.ack());
        if (acking !== undefined) await acking;
      } catch (error) {
        scope?.settled({ kind: 'unsettled' });
        return this.#unsettled('ack a completed job (it will be delivered again)', error);
      }
      scope?.settled({ kind: 'ack' });
      // The one event of every job: its arguments and the clock read are skipped when nobody listens.
      if (started !== undefined && this.#listening('completed'))
        this.#emit('completed', job, { durationMs: this.#rt.clock.now() - started });
      return 'completed';
    } catch (error) {
      if (this.#finished === undefined) throw error;
      bug = { error };
      return 'unsettled';
    } finally {
      this.#finished?.(held, bug);
    }
  }
  /**
   * The handler inside the instrumentation's scope. A method of its own: an arrow written in `run`
   * made `run` keep `job` and `context` in a context object, allocated for every job, scope or not.
   */
  #invokeIn(scope: ProcessScope, job: Job<T>, context: JobContextImpl): unknown {
    return scope.run(() => this.#invoke(job, context));
  }

  #invoke(job: Job<T>, context: JobContextImpl): unknown {
    if (this.#handlerTimeoutMs === undefined) return this.#handler(job, context);
    return this.#runWithTimeout(job, context, this.#handlerTimeoutMs);
  }

  async #runWithTimeout(job: Job<T>, context: JobContextImpl, timeoutMs: number): Promise<void> {
    const timeout = context.startTimeout(this.#rt.clock, timeoutMs);
    await Promise.race([Promise.resolve(this.#handler(job, context)), timeout]);
  }

  async #failed(held: Settleable, job: Job<T>, error: Error, scope?: ProcessScope): Promise<JobOutcome> {
    if (held.state === 'done') return released(scope);
    this.#emit('failed', job, error);
    const decision = settlementFor(this.#rt, job.attempt, error, (message) =>
      this.#emit('error', this.#rt.wrapError(error, message)),
    );
    if (decision.kind === 'dead-letter') return this.#deadLetter(held, job, decision.record, scope);
    held.state = 'done';
    try {
      await this.#answer(held, held.delivery.retry(decision.delayMs, job.attempt));
    } catch (settleError) {
      scope?.settled({ kind: 'unsettled' });
      return this.#unsettled('schedule a retry (the lease will expire and redeliver it)', settleError);
    }
    scope?.settled({ kind: 'retry', delayMs: decision.delayMs, nextAttempt: job.attempt + 1 });
    this.#emit('retrying', job, error, { delayMs: decision.delayMs, nextAttempt: job.attempt + 1 });
    return 'retrying';
  }

  async #deadLetter(
    held: Settleable,
    job: Job<T> | undefined,
    record: DeadLetterRecord,
    scope?: ProcessScope,
  ): Promise<JobOutcome> {
    if (held.state === 'done') return released(scope);
    held.state = 'done';
    try {
      await this.#answer(held, held.delivery.deadLetter(record));
    } catch (error) {
      scope?.settled({ kind: 'unsettled' });
      return this.#unsettled('dead-letter a job (it will be delivered again)', error);
    }
    scope?.settled({ kind: 'dead-letter', reason: record.reason });
    this.#emit('dead-lettered', job, record);
    return 'dead-lettered';
  }

  /**
   * A settlement as called: when it is a promise, the runner is about to wait for the broker's
   * answer, and the handler's slot is not needed for that (`RunnerEvents.settling`).
   */
  #answer<P extends Promise<void> | undefined>(held: Settleable, settlement: P): P {
    if (settlement !== undefined) this.#settling?.(held);
    return settlement;
  }

  #unsettled(action: string, error: unknown): JobOutcome {
    this.#emit('error', this.#rt.wrapError(error, action));
    return 'unsettled';
  }
}

function released(scope: ProcessScope | undefined): JobOutcome {
  scope?.settled({ kind: 'unsettled' });
  return 'released';
}

function exhaustedError(job: Job<unknown>, maxAttempts: number): Error {
  const error = new Error(
    `Job ${job.id} was delivered ${job.attempt - 1} times without being settled (max ${maxAttempts}); its consumers likely crashed`,
  );
  error.name = 'AttemptsExhaustedError';
  return error;
}
