import { encodeDeadLetterHeaders, encodeMetaHeaders } from '../wire/headers.js';
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

/**
 * The native message the memory adapter exposes as `job.raw`: what a plain consumer of this broker
 * would see. Headers are encoded on first read, because almost no handler looks at them and a
 * headers object per job is measurable at hundreds of thousands of jobs per second.
 */
export class MemoryNativeMessage {
  readonly queue: string;
  readonly deliveryCount: number;
  readonly #message: MemoryMessage;
  #headers: Readonly<Record<string, string>> | undefined;

  constructor(queue: string, message: MemoryMessage, deliveryCount: number) {
    this.queue = queue;
    this.deliveryCount = deliveryCount;
    this.#message = message;
  }

  get body(): Uint8Array {
    return this.#message.body;
  }

  /** polyqueue metadata and user attributes, in the header form of the wire format. */
  get headers(): Readonly<Record<string, string>> {
    this.#headers ??= toHeaders(this.#message);
    return this.#headers;
  }
}

/** A message as a plain native producer or consumer sees it: bytes and string headers. */
export interface RawMessage {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export function toRaw(message: MemoryMessage): RawMessage {
  return { body: message.body, headers: toHeaders(message) };
}

/** A stored message in the header form of the wire format. */
export function toHeaders(message: MemoryMessage): Record<string, string> {
  const headers: Record<string, string> = { ...message.attributes };
  if (message.meta.enqueuedAt !== undefined) {
    encodeMetaHeaders({ attemptOffset: 0, enqueuedAt: message.meta.enqueuedAt, ...message.meta }, headers);
  } else {
    headers['pq-id'] = message.meta.id;
  }
  if (message.deadLetter) encodeDeadLetterHeaders(message.deadLetter, headers);
  return headers;
}
