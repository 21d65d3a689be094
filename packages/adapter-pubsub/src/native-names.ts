import { ConfigError } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';

/** The Pub/Sub entities behind one logical queue. Topics and subscriptions share names. */
export interface NativeNames {
  /**
   * Topic + subscription the workers share: `<prefix><queue>`. The topic carries only what
   * producers publish (each job once), so other subscriptions of it see nothing twice.
   */
  readonly work: string;
  /**
   * Topic + subscription of what polyqueue itself republishes for the workers: due delayed jobs,
   * retries and redriven dead letters: `<prefix><queue>.ready`. Workers pull it alongside `work`.
   */
  readonly ready: string;
  /** Topic + subscription of the delay path: `<prefix><queue>.delay`. */
  readonly delay: string;
  /** Topic + subscription of the dead-letter queue: `<prefix><deadLetterQueue>` (`<queue>.dlq`). */
  readonly deadLetter: string;
}

// Pub/Sub: 3-255 characters, starting with a letter, of letters, digits and - _ . ~ + %; never "goog...".
const VALID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/**
 * The suffixes of a queue's own entities. A logical queue (or dead-letter queue) whose name ends
 * with one would be the same topic as another queue's ready or delay path, so such names are
 * refused: the mapping `<prefix><name>` is otherwise one-to-one, because Pub/Sub accepts every
 * character a logical name may hold (`.`, `_` and `-` stay distinct).
 */
export const RESERVED_SUFFIXES = ['.ready', '.delay'] as const;

export function nativeNames(prefix: string, queue: QueueTopology): NativeNames {
  assertNotReserved(queue.name, 'queue');
  assertNotReserved(queue.deadLetterName, 'dead-letter queue');
  return {
    work: checked(`${prefix}${queue.name}`, queue.name),
    ready: readyName(prefix, queue.name),
    delay: checked(`${prefix}${queue.name}.delay`, queue.name),
    deadLetter: checked(`${prefix}${queue.deadLetterName}`, queue.deadLetterName),
  };
}

/** The ready topic of a queue named by its logical name (where redrive sends its dead letters). */
export function readyName(prefix: string, queueName: string): string {
  return checked(`${prefix}${queueName}.ready`, queueName);
}

function assertNotReserved(logical: string, role: string): void {
  const suffix = RESERVED_SUFFIXES.find((reserved) => logical.endsWith(reserved));
  if (suffix === undefined) return;
  const owner = logical.slice(0, -suffix.length);
  throw new ConfigError(
    `The ${role} name "${logical}" ends with "${suffix}", which the Pub/Sub adapter reserves: "${logical}" is ` +
      `where queue "${owner}" keeps its ${suffix === '.ready' ? 'retries and due delayed jobs' : 'delayed jobs'}, ` +
      'so the two queues would share messages. Choose a name without that suffix.',
  );
}

function checked(native: string, logical: string): string {
  if (!VALID.test(native) || native.toLowerCase().startsWith('goog')) {
    throw new ConfigError(
      `Queue "${logical}" maps to the Pub/Sub name "${native}", which Pub/Sub rejects (3-255 characters, starting with a letter, not "goog"); use the prefix parameter`,
    );
  }
  return native;
}
