import { ConfigError } from '@polyqueue/core';
import { MAX_DELAY_LEVELS, type QueueType } from './amqp-options.js';

/** RabbitMQ's limit on queue names, exchange names and routing keys (a shortstr). */
export const MAX_NAME_BYTES = 255;

/**
 * Native names. A logical queue `q` is the native queue `<prefix>q`; its dead-letter queue is
 * `<prefix><deadLetterName>`. The delay cascade is shared by every queue of one prefix and queue
 * type: exchanges and queues `<prefix>polyqueue.delay.<type>.<k>` for levels k = 0…levels-1, and
 * the exchange `<prefix>polyqueue.delay.<type>.deliver` that hands due messages to work queues.
 */
export class NativeNames {
  readonly #prefix: string;
  readonly #delayBase: string;

  constructor(prefix: string, queueType: QueueType) {
    this.#prefix = prefix;
    this.#delayBase = `${prefix}polyqueue.delay.${queueType}`;
  }

  queue(logical: string): string {
    return this.#prefix + logical;
  }

  /** The exchange and queue of cascade level k (holding messages 2^k ms). */
  level(k: number): string {
    return `${this.#delayBase}.${k}`;
  }

  /** Where level 0 (and every zero bit below the last) dead-letters to: the work queues' binding. */
  get deliver(): string {
    return `${this.#delayBase}.deliver`;
  }

  /** The logical name, for a native name this driver made (undefined for another prefix). */
  logical(native: string): string | undefined {
    return native.startsWith(this.#prefix) ? native.slice(this.#prefix.length) : undefined;
  }
}

/** The suffix of default dead-letter queue names (`<queue>.dlq`, from the core). */
const DLQ_SUFFIX = '.dlq';
/** The delay cascade's native names start with this, after the prefix. */
const CASCADE_PREFIX = 'polyqueue.delay.';

/**
 * Rejects logical names whose native queues another role already uses, so that no two queues
 * ever share jobs, dead letters or delays (rule N1). RabbitMQ names are exact byte strings, so
 * names that differ only by `.`, `_` or `-` are distinct queues; two collisions remain:
 * - a work queue `x.dlq` is the native queue of the dead-letter queue of `x`;
 * - any queue named `polyqueue.delay.…` may be a level of the shared delay cascade.
 */
export function checkLogicalNames(queue: { readonly name: string; readonly deadLetterName: string }): void {
  if (queue.name.endsWith(DLQ_SUFFIX)) {
    throw new ConfigError(
      `Queue name "${queue.name}" cannot be used on RabbitMQ: names ending in "${DLQ_SUFFIX}" are ` +
        `kept for dead-letter queues, and this one is the native queue of the dead-letter queue of ` +
        `"${queue.name.slice(0, -DLQ_SUFFIX.length)}"`,
    );
  }
  for (const name of [queue.name, queue.deadLetterName]) {
    if (name.startsWith(CASCADE_PREFIX)) {
      throw new ConfigError(
        `Queue name "${name}" cannot be used on RabbitMQ: names starting with "${CASCADE_PREFIX}" are ` +
          'kept for the delay cascade',
      );
    }
  }
}

/**
 * One routing-key word naming a work queue. Topic routing splits keys on dots and treats `*` and
 * `#` as wildcards, so those (and `%`, the escape itself) are percent-encoded: the queue is then
 * exactly one literal word, and the binding `#.<word>` matches it and nothing else.
 */
export function targetWord(nativeQueue: string): string {
  return nativeQueue.replace(/[%.*#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The binary delay cascade (after Kombu 5.5). A delay of d ms (1 ≤ d < 2^levels) is written
 * least significant bit first, one word per bit, followed by the target word:
 * 13 ms to `emails` → `1.0.1.1.emails`. The message enters at the exchange of its highest set bit.
 * Exchange k routes words with bit k = 1 into queue k, which holds every message exactly 2^k ms
 * (one TTL per queue, so there is no head-of-line blocking) and then dead-letters it, routing key
 * unchanged, to exchange k-1; bit k = 0 passes straight on to exchange k-1. Below level 0 the
 * deliver exchange routes on the last word to the work queue. Time waited = sum of set bits = d.
 */
export interface DelayRoute {
  /** The exchange to publish to: the level of the highest set bit. */
  readonly exchange: string;
  readonly routingKey: string;
}

export function delayRoute(names: NativeNames, delayMs: number, nativeQueue: string): DelayRoute {
  if (!Number.isSafeInteger(delayMs) || delayMs < 1)
    throw new RangeError(`delay must be ≥ 1 ms, got ${delayMs}`);
  const bits = delayMs.toString(2).split('').reverse();
  return {
    exchange: names.level(bits.length - 1),
    routingKey: `${bits.join('.')}.${targetWord(nativeQueue)}`,
  };
}

/** The longest delay one pass through `levels` levels can hold. */
export function maxCascadeDelayMs(levels: number): number {
  return 2 ** levels - 1;
}

/** Topic patterns of level k: `*.`×k then `1.#` (hold here) or `0.#` (pass down). */
export function levelPattern(k: number, bit: 0 | 1): string {
  return `${'*.'.repeat(k)}${bit}.#`;
}

/** A delay's routing key is one word per cascade level plus the queue: it must fit in 255 bytes. */
export function checkNameLength(native: string): void {
  const max = MAX_NAME_BYTES - 2 * MAX_DELAY_LEVELS;
  if (Buffer.byteLength(targetWord(native)) > max) {
    throw new ConfigError(`Queue name "${native}" is too long for RabbitMQ: at most ${max} bytes`);
  }
}
