/** One job as a handler sees it. */
export interface Job<T = unknown> {
  /** Stable across redeliveries, retries and dead-lettering; `send` returned this id. */
  readonly id: string;
  readonly queue: string;
  readonly payload: T;
  readonly attributes: Readonly<Record<string, string>>;
  /** 1-based, counting this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** When the producer handed the job to the broker; `now - enqueuedAt` is its time in the queue. */
  readonly enqueuedAt: Date;
  readonly orderingKey?: string;
  readonly dedupId?: string;
  /** W3C trace context the producer's instrumentation attached (docs/observability.md); absent otherwise. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** The native message (escape hatch); each adapter documents its type. */
  readonly raw: unknown;
}

export interface JobContext {
  /**
   * Aborted when the handler must stop: it ran past `handlerTimeoutMs`, or the worker is closing
   * and its timeout passed. Pass it to fetch(), database drivers, child processes...
   */
  readonly signal: AbortSignal;
}

/** A job handler. Returning (or resolving) means success; throwing means this attempt failed. */
export type Handler<T> = (job: Job<T>, context: JobContext) => unknown;

/**
 * Wraps every handler call of a worker, outermost first: logging, tracing, metrics, tenancy.
 * Call `next()` exactly once to run the rest of the chain; throw to fail the attempt.
 */
export type Middleware = (job: Job<unknown>, context: JobContext, next: () => Promise<void>) => Promise<void>;

export function compose<T>(middleware: readonly Middleware[], handler: Handler<T>): Handler<T> {
  if (middleware.length === 0) return handler;
  return (job, context) => {
    const call = (index: number): Promise<void> => {
      const layer = middleware[index];
      if (layer === undefined) return Promise.resolve(handler(job, context)).then(() => undefined);
      return layer(job as Job<unknown>, context, () => call(index + 1));
    };
    return call(0);
  };
}
