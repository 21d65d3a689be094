import type { DeadLetterRecord, JobMeta } from '../wire/job-meta.js';

/** A message as the memory broker stores it. */
export interface MemoryMessage {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  meta: Partial<JobMeta> & { readonly id: string };
  /** Native delivery count, like SQS's ApproximateReceiveCount. */
  deliveryCount: number;
  /** When a delay or retry backoff ends (epoch ms); 0 once deliverable. */
  dueAt: number;
  /** Set once the message is in a dead-letter queue. */
  deadLetter?: DeadLetterRecord;
}

/** The native message type the memory adapter exposes as `job.raw`. */
export interface MemoryNativeMessage {
  readonly queue: string;
  readonly body: Uint8Array;
  /** polyqueue metadata and user attributes, in the header form of the wire format. */
  readonly headers: Readonly<Record<string, string>>;
  readonly deliveryCount: number;
}
