import type { OutgoingMessage } from '../driver/outgoing-message.js';
import type { Job } from '../runtime/job.js';

/**
 * Hooks around send and process for tracing and metrics (`@polyqueue/otel` implements them).
 * Core knows nothing of OpenTelemetry: a producer hook may set `meta.traceparent`/`tracestate` on
 * the outgoing messages, and a consumer hook reads them back from the job. With nothing installed
 * the hot path reads one property and allocates nothing.
 */
export interface Instrumentation {
  /**
   * Before one `send`/`sendBatch` call publishes: `messages` are freshly encoded for this call
   * alone, so the hook may replace `meta` fields on them (the trace context). Returns the scope
   * that is ended with each message's outcome once the broker answered, or undefined when there
   * is nothing to record (a no-op tracer): then core skips the scope, and its cost, altogether.
   */
  send(queue: string, adapter: string, messages: readonly OutgoingMessage[]): SendScope | undefined;
  /**
   * When a worker (or a Lambda / push handler) starts one delivery's handler. Undefined when there
   * is nothing to record: the handler then runs with no wrapper and no closure.
   */
  process(queue: string, adapter: string, job: Job<unknown>): ProcessScope | undefined;
  /**
   * A worker asked the broker to extend `count` leases of `queue` in one tick of its lease keeper
   * (a failed extension also reports on broker 'error'). Optional: a hook without it costs the
   * lease keeper one property read per tick that extended something.
   */
  leaseExtended?(queue: string, adapter: string, count: number): void;
  /**
   * `broker.instrument()` replaced or removed this instrumentation: release what it holds beyond
   * the hooks (metric callbacks, timers). Optional; called once per removal, never for the one
   * that stays installed.
   */
  uninstalled?(): void;
}

export interface SendScope {
  /** `ids[i]` is the id the broker took for message i, or undefined when it failed with `errors[i]`. */
  end(ids: readonly (string | undefined)[], errors: readonly (Error | undefined)[]): void;
}

/** How a processed delivery was settled. */
export type Settlement =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly nextAttempt: number }
  | { readonly kind: 'dead-letter'; readonly reason: string }
  /** Settling failed (or the job was released): the broker will deliver it again. */
  | { readonly kind: 'unsettled' };

export interface ProcessScope {
  /** Runs the handler inside the scope, so that spans it starts are children of `process`. */
  run<R>(fn: () => R): R;
  /** The handler failed with `error` (before any settlement). */
  failed(error: Error): void;
  /** The delivery was settled (or could not be); ends the scope. */
  settled(settlement: Settlement): void;
}

/**
 * The broker's one instrumentation slot, shared by its queues: `broker.instrument()` may install it
 * after queues were created, and each send or delivery reads it once.
 */
export interface InstrumentationSlot {
  current: Instrumentation | undefined;
}
