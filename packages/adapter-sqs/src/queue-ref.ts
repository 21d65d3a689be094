/** One native queue, resolved once and cached (by the QueueDirectory). */
export interface QueueRef {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** The queue's own `MaximumMessageSize`: read from SQS, never assumed. */
  readonly maxBytes: number;
}
