/** The consumer group every worker of a queue reads through. */
export const WORKER_GROUP = 'pq';

/** The Redis keys of one queue. */
export interface QueueKeys {
  /** Stream of ready and leased jobs, read through {@link WORKER_GROUP}. */
  readonly stream: string;
  /** Sorted set of jobs waiting for a delay or a retry backoff, scored by due time (epoch ms). */
  readonly delayed: string;
  /** Stream of dead letters, each with its error record. */
  readonly dead: string;
  /** Prefix of the `SET NX PX` keys that remember a `dedupId` for the dedup window. */
  readonly dedupPrefix: string;
}

/**
 * Every key of a queue carries the queue's name as a Cluster hash tag (`{name}`), so each Lua
 * script touches a single slot. Queue names are letters, digits, `.`, `_` and `-` (core checks),
 * so the tag never holds a brace, and names that differ only by a separator stay apart (rule N1):
 * the name is used as it is, never normalized. The dead-letter stream belongs to its source
 * queue (`{name}:dead`) rather than to a queue of its own: dead-lettering is then one script.
 */
export function queueKeys(prefix: string, queue: string): QueueKeys {
  const base = `${prefix}:{${queue}}`;
  return {
    stream: `${base}:jobs`,
    delayed: `${base}:delayed`,
    dead: `${base}:dead`,
    dedupPrefix: `${base}:dedup:`,
  };
}

/** The SCAN pattern of every queue's stream under `prefix` (prefix and names hold no glob character). */
export function streamKeyPattern(prefix: string): string {
  return `${prefix}:{*}:jobs`;
}

/** The queue name in a stream key of `prefix`, or undefined for a key of another shape. */
export function queueOfStreamKey(prefix: string, key: string): string | undefined {
  const match = /^\{([A-Za-z0-9._-]+)\}:jobs$/.exec(
    key.startsWith(`${prefix}:`) ? key.slice(prefix.length + 1) : '',
  );
  return match?.[1];
}

/** A key prefix: letters, digits, `-`, `_`, `.` and `:` (never a brace, which would move the hash tag). */
export function isValidPrefix(prefix: string): boolean {
  return /^[A-Za-z0-9._:-]{1,64}$/.test(prefix);
}
