/**
 * Logical queue names → native JetStream names. Stream names may not contain `.`, `*`, `>`,
 * whitespace or path separators, and subject tokens may not contain `.`, `*`, `>` or whitespace,
 * while logical names may (the default dead-letter queue of `orders` is `orders.dlq`). So every
 * character outside `[A-Za-z0-9-]` is escaped as `_` plus two lowercase hex digits per UTF-8 byte:
 * the mapping is injective and readable for ordinary names (`orders.dlq` → `orders_2edlq`).
 *
 * The role marker (`Q` for a queue, `D` for its delay stream, `B` for a dead-letter queue's
 * oversized bodies, `U` for its dedup ledger) sits before the encoded name, so no logical name can make one queue's delay
 * stream collide with another queue: a reserved suffix does not exist. The prefix may not hold
 * `_` or `.`, so the first `_` (stream) or `.` (subject) ends it.
 */
export interface QueueNames {
  /** WorkQueue stream holding the queue's ready jobs: `<prefix>_Q_<name>`. */
  readonly stream: string;
  /** The only subject of that stream: `<prefix>.q.<name>`. */
  readonly subject: string;
  /** WorkQueue stream holding jobs that wait for a delay or a long backoff: `<prefix>_D_<name>`. */
  readonly delayStream: string;
  /** `<prefix>.d.<name>`. */
  readonly delaySubject: string;
  /**
   * Of a dead-letter queue: the stream holding bodies too large to travel with their dead-letter
   * record (see dead-letter-copy.ts), `<prefix>_B_<name>`. Created when first needed.
   */
  readonly bodyStream: string;
  /** `<prefix>.b.<name>`. */
  readonly bodySubject: string;
  /** Limits stream remembering which job each `dedupId` kept (dedup-ledger.ts): `<prefix>_U_<name>`. */
  readonly ledgerStream: string;
  /** `<prefix>.u.<name>`. */
  readonly ledgerSubject: string;
}

/** The durable pull consumer every worker of a queue shares. */
export const WORKER_CONSUMER = 'pq-worker';
/** The durable pull consumer every forwarder of a delay stream shares. */
export const FORWARDER_CONSUMER = 'pq-forwarder';

const PREFIX_PATTERN = /^[A-Za-z0-9-]+$/;

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_PATTERN.test(prefix);
}

export function encodeName(name: string): string {
  let out = '';
  for (const char of name) {
    if (/[A-Za-z0-9-]/.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `encodeName`: `orders_2edlq` → `orders.dlq`. */
export function decodeName(encoded: string): string {
  return Buffer.from(
    encoded.replace(/_([0-9a-f]{2})|[^_]+/g, (part, hex: string | undefined) =>
      hex === undefined ? Buffer.from(part, 'utf8').toString('hex') : hex,
    ),
    'hex',
  ).toString('utf8');
}

/**
 * The start of every delay stream name of `prefix`: each work queue has one, made at provision,
 * and dead-letter queues have none, so these streams list the work queues.
 */
export function delayStreamPrefix(prefix: string): string {
  return `${prefix}_D_`;
}

export function queueNames(prefix: string, name: string): QueueNames {
  const encoded = encodeName(name);
  return {
    stream: `${prefix}_Q_${encoded}`,
    subject: `${prefix}.q.${encoded}`,
    delayStream: `${delayStreamPrefix(prefix)}${encoded}`,
    delaySubject: `${prefix}.d.${encoded}`,
    bodyStream: `${prefix}_B_${encoded}`,
    bodySubject: `${prefix}.b.${encoded}`,
    ledgerStream: `${prefix}_U_${encoded}`,
    ledgerSubject: `${prefix}.u.${encoded}`,
  };
}

/** The advisory the server publishes when a message of `stream` used up the consumer's MaxDeliver. */
export function maxDeliveriesAdvisory(stream: string, consumer: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`;
}
