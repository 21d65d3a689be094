import type { Job, Worker, WorkerEvents } from '@polyqueue/core';
import type { SuiteContext } from './context.js';

/** One handler call, stamped with the suite's time when it started. */
export interface Seen<T> {
  readonly job: Job<T>;
  readonly at: number;
}

/**
 * Every handler call of a test, in call order. Counting calls per job id is how the suite proves
 * "exactly once", "never by both" and "none duplicated": from what handlers saw, not from what
 * the broker reports.
 */
export class JobLog<T = unknown> {
  readonly seen: Seen<T>[] = [];
  readonly #ctx: SuiteContext;

  constructor(ctx: SuiteContext) {
    this.#ctx = ctx;
  }

  /** Records a call; returns the entry so a handler can keep its start time. */
  record(job: Job<T>): Seen<T> {
    const entry = { job, at: this.#ctx.now() };
    this.seen.push(entry);
    return entry;
  }

  /** A handler that only records. */
  readonly handler = (job: Job<T>): void => {
    this.record(job);
  };

  get count(): number {
    return this.seen.length;
  }

  calls(id: string): Seen<T>[] {
    return this.seen.filter((entry) => entry.job.id === id);
  }

  /** Distinct job ids seen. */
  ids(): Set<string> {
    return new Set(this.seen.map((entry) => entry.job.id));
  }

  /** How many calls each job id got. */
  callsPerId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { job } of this.seen) counts.set(job.id, (counts.get(job.id) ?? 0) + 1);
    return counts;
  }
}

/** One emitted worker event, stamped with the suite's time. */
export interface Emitted<A> {
  readonly args: A;
  readonly at: number;
}

/** Collects every `event` a worker emits from now on. */
export function recordEvents<T, K extends keyof WorkerEvents<T> & string>(
  ctx: SuiteContext,
  worker: Worker<T>,
  event: K,
): Emitted<WorkerEvents<T>[K]>[] {
  const seen: Emitted<WorkerEvents<T>[K]>[] = [];
  worker.on(event, (...args: WorkerEvents<T>[K]) => {
    seen.push({ args, at: ctx.now() });
  });
  return seen;
}

/**
 * A promise a test resolves by hand: "let the blocked handlers finish now". Handlers that must
 * block until the test says so wait on one of these rather than on a timer.
 */
export class Gate {
  readonly opened: Promise<void>;
  #open!: () => void;

  constructor() {
    this.opened = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
  }

  open(): void {
    this.#open();
  }
}
