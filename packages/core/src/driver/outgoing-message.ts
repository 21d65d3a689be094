import type { JobMeta } from '../wire/job-meta.js';

/** A message ready for the broker: serialized, validated and size-checked by the core. */
export interface OutgoingMessage {
  readonly body: Uint8Array;
  /** User attributes only; none uses the reserved `pq-` prefix. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Metadata to carry in native headers. `meta.notBefore` asks for a delay. */
  readonly meta: JobMeta;
}

/**
 * The outcome of one message in a batch, in the batch's order. When the broker dropped the message
 * as a duplicate of an earlier `dedupId`, `duplicateOf` is that earlier job's id where the broker
 * can tell it, so that `send` returns the id the handler will actually see.
 */
export type SendOutcome =
  | { readonly ok: true; readonly duplicateOf?: string }
  | { readonly ok: false; readonly error: unknown };
