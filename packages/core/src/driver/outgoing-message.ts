import type { JobMeta } from '../wire/job-meta.js';

/** A message ready for the broker: serialized, validated and size-checked by the core. */
export interface OutgoingMessage {
  readonly body: Uint8Array;
  /** User attributes only; none uses the reserved `pq-` prefix. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Metadata to carry in native headers. `meta.notBefore` asks for a delay. */
  readonly meta: JobMeta;
}

/** The outcome of one message in a batch, in the batch's order. */
export type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
