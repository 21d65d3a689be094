/**
 * What polyqueue knows about a message beyond its body and user attributes. It travels in native
 * headers (see docs/wire-format.md) so that any consumer, in any language, can read it.
 */
export interface JobMeta {
  /** Stable job id: the same across redeliveries, retries, delay hops and dead-lettering. */
  readonly id: string;
  /**
   * Attempts already consumed before this copy was published. A driver that retries by
   * republishing carries the count here; attempt = attemptOffset + native delivery count.
   */
  readonly attemptOffset: number;
  /**
   * When the job was first handed to the broker (after any provisioning the send waited for), in
   * epoch milliseconds. Kept across retries, delay hops and redrive.
   */
  readonly enqueuedAt: number;
  /** Not to be delivered before this time (epoch ms). Absent means "now". */
  readonly notBefore?: number;
  readonly orderingKey?: string;
  readonly dedupId?: string;
  /**
   * W3C trace context of the send (https://www.w3.org/TR/trace-context/), set only when the
   * producer had instrumentation installed; kept, like `id`, across every hop of the job.
   */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Why a job was dead-lettered. */
export type DeadLetterReason =
  /** The handler failed on its last allowed attempt. */
  | 'failed'
  /** The handler threw UnrecoverableError. */
  | 'unrecoverable'
  /** The body could not be deserialized. */
  | 'decode'
  /** The payload failed the queue's schema at receive. */
  | 'validation'
  /** Attempts ran out without the job ever being settled: its consumers kept crashing. */
  | 'exhausted';

/** Error metadata attached to a dead letter (contract rule R3). */
export interface DeadLetterRecord {
  readonly reason: DeadLetterReason;
  readonly errorName: string;
  readonly errorMessage: string;
  /** Truncated to {@link MAX_STACK_CHARS}. */
  readonly errorStack?: string;
  readonly attempts: number;
  readonly sourceQueue: string;
  /** Epoch milliseconds. */
  readonly failedAt: number;
}

export const MAX_STACK_CHARS = 2_000;
export const MAX_ERROR_MESSAGE_CHARS = 1_000;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
