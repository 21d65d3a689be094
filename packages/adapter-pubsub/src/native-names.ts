import { ConfigError } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';

/** The Pub/Sub entities behind one logical queue. Topics and subscriptions share names. */
export interface NativeNames {
  /** Topic + subscription the workers share: `<prefix><queue>`. */
  readonly work: string;
  /** Topic + subscription of the delay path: `<prefix><queue>.delay`. */
  readonly delay: string;
  /** Topic + subscription of the dead-letter queue: `<prefix><deadLetterQueue>` (`<queue>.dlq`). */
  readonly deadLetter: string;
}

// Pub/Sub: 3-255 characters, starting with a letter, of letters, digits and - _ . ~ + %; never "goog...".
const VALID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

export function nativeNames(prefix: string, queue: QueueTopology): NativeNames {
  return {
    work: checked(`${prefix}${queue.name}`, queue.name),
    delay: checked(`${prefix}${queue.name}.delay`, queue.name),
    deadLetter: checked(`${prefix}${queue.deadLetterName}`, queue.deadLetterName),
  };
}

/** The work topic of a queue named by its logical name (redrive targets, push handlers). */
export function workName(prefix: string, queueName: string): string {
  return checked(`${prefix}${queueName}`, queueName);
}

function checked(native: string, logical: string): string {
  if (!VALID.test(native) || native.toLowerCase().startsWith('goog')) {
    throw new ConfigError(
      `Queue "${logical}" maps to the Pub/Sub name "${native}", which Pub/Sub rejects (3-255 characters, starting with a letter, not "goog"); use the prefix parameter`,
    );
  }
  return native;
}
