import {
  type BackgroundErrorSink,
  type Capabilities,
  type Clock,
  type DeadLetterStore,
  type Driver,
  DriverLifecycle,
  type ErrorCode,
  type OutgoingMessage,
  type QueueStats,
  type QueueTopology,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
  systemClock,
} from '@polyqueue/core/driver';
import { delayForwarder } from './delay-forwarder.js';
import { SEND, STATS } from './lua-scripts.js';
import { type QueueContext, queueContext } from './queue-context.js';
import type { RedisClient } from './redis-client.js';
import { RedisDeadLetterStore } from './redis-dead-letters.js';
import { redisErrorCode } from './redis-errors.js';
import { queueOfStreamKey, streamKeyPattern, WORKER_GROUP } from './redis-names.js';
import type { RedisSettings } from './redis-options.js';
import { RedisReceiver } from './redis-receiver.js';
import { entryFields } from './redis-wire.js';

/** Keys SCAN looks at per round trip when listing queues. */
const SCAN_PAGE = 1_000;

/** Most messages one send script carries (the core chunks larger batches). */
export const MAX_BATCH_SIZE = 500;

export interface RedisDriverOptions {
  readonly client: RedisClient;
  readonly settings: RedisSettings;
  /** The longest BLOCK a receiver's read may ask for (below the client's command timeout). */
  readonly maxBlockMs?: number;
  /** Wall clock; tests may pass their own. */
  readonly clock?: Clock;
}

/** The Redis Streams driver. See README.md for the keys it writes. */
export class RedisDriver implements Driver {
  readonly name = 'redis';
  readonly capabilities: Capabilities;
  readonly #client: RedisClient;
  readonly #settings: RedisSettings;
  readonly #clock: Clock;
  readonly #maxBlockMs: number;
  /** State, background errors, per-queue contexts; a queue's forwarder runs while one of its receivers is open here. */
  readonly #lifecycle: DriverLifecycle<QueueContext>;

  constructor(options: RedisDriverOptions) {
    this.#client = options.client;
    this.#settings = options.settings;
    this.#clock = options.clock ?? systemClock;
    this.#maxBlockMs = options.maxBlockMs ?? 1_000;
    this.capabilities = redisCapabilities(options.settings);
    const lifecycle: DriverLifecycle<QueueContext> = new DriverLifecycle({
      context: (topology) =>
        queueContext(
          {
            client: this.#client,
            settings: this.#settings,
            clock: this.#clock,
            maxBlockMs: this.#maxBlockMs,
            alive: () => lifecycle.alive,
            report: (action, error, queue) => lifecycle.errors.report(action, error, queue),
          },
          topology,
        ),
      services: (queue) => [delayForwarder(queue, lifecycle.errors)],
      connection: this.#client,
    });
    this.#lifecycle = lifecycle;
  }

  /**
   * Errors no caller awaits: the delay forwarder's (`forward-pull`, `forward`, ...) and the
   * connection's own (`connection`: a failed reconnect, a TLS or auth failure).
   */
  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.#lifecycle.reportErrorsTo(sink);
  }

  /** Creates the stream and its consumer group (reading from the start, so entries sent before count). */
  async provision(topology: QueueTopology): Promise<void> {
    const { stream } = this.#context(topology).keys;
    try {
      await this.#client.call('XGROUP', ['CREATE', stream, WORKER_GROUP, '0', 'MKSTREAM']);
    } catch (error) {
      if (redisErrorCode(error) !== 'AlreadyExists') throw error;
    }
  }

  /**
   * One script per batch: each job goes into the stream, or into the delayed set when due later;
   * a job with a dedupId whose id is remembered is dropped, and its outcome names the kept job.
   */
  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const { client, keys, settings } = this.#context(topology);
    const now = this.#clock.now();
    const outcomes: (SendOutcome | undefined)[] = [];
    const sent: number[] = [];
    const dedupKeys: string[] = [];
    const args: (string | Buffer | number)[] = [settings.dedupWindowMs];
    messages.forEach((message, i) => {
      let fields: (string | Buffer)[];
      try {
        fields = entryFields(message.body, message.attributes, message.meta);
      } catch (error) {
        outcomes[i] = { ok: false, error };
        return;
      }
      const { notBefore, dedupId, id } = message.meta;
      let dedupIndex = 0;
      if (dedupId !== undefined) dedupIndex = dedupKeys.push(`${keys.dedupPrefix}${dedupId}`);
      const due = notBefore !== undefined && notBefore > now ? String(notBefore) : '';
      args.push(due, dedupIndex, id, fields.length, ...fields);
      sent.push(i);
    });
    if (sent.length > 0) {
      const kept = (await SEND.run(client, [keys.stream, keys.delayed, ...dedupKeys], args)) as Buffer[];
      sent.forEach((index, j) => {
        const keptId = kept[j]?.toString() ?? '';
        outcomes[index] = keptId === '' ? OK : { ok: true, duplicateOf: keptId };
      });
    }
    return outcomes as SendOutcome[];
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    return new RedisReceiver(
      this.#context(topology),
      () => this.#lifecycle.acquire(topology),
      options.leaseMs,
    );
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new RedisDeadLetterStore(this.#context(topology));
  }

  /**
   * ready = stream entries not yet delivered (XLEN minus the pending ones: settled entries are
   * deleted); inFlight = pending entries (XPENDING); delayed = ZCARD of the delayed set, which
   * holds retries waiting out their backoff too; deadLettered = XLEN of the dead-letter stream.
   */
  async stats(topology: QueueTopology): Promise<QueueStats> {
    const { client, keys } = this.#context(topology);
    const [length, pending, delayed, deadLettered] = (await STATS.run(
      client,
      [keys.stream, keys.delayed, keys.dead],
      [WORKER_GROUP],
    )) as number[];
    return {
      ready: Math.max(0, length! - pending!),
      delayed: delayed!,
      inFlight: pending!,
      deadLettered: deadLettered!,
    };
  }

  /** Every queue whose stream exists under the key prefix (made at provision; dead letters live in the source queue's keys). */
  async queues(): Promise<readonly string[]> {
    const prefix = this.#settings.keyPrefix;
    const keys = await this.#client.scan(streamKeyPattern(prefix), SCAN_PAGE);
    return [...new Set(keys.flatMap((key) => queueOfStreamKey(prefix, key) ?? []))];
  }

  errorCode(error: unknown): ErrorCode {
    return redisErrorCode(error);
  }

  /** The ioredis `Redis` (one server or a Sentinel-managed master) or `Cluster`. */
  native(): unknown {
    return this.#client.native();
  }

  /** Graceful: the forwarder first, then the sockets; abandon: the sockets first (DriverLifecycle.close). */
  close(mode: 'graceful' | 'abandon'): Promise<void> {
    return this.#lifecycle.close(mode);
  }

  #context(topology: QueueTopology): QueueContext {
    return this.#lifecycle.context(topology);
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

export function redisCapabilities(settings: RedisSettings): Capabilities {
  return {
    maxMessageBytes: settings.maxMessageBytes,
    maxBatchSize: MAX_BATCH_SIZE,
    // No delay in the stream itself: every delay takes the delayed set and its forwarder.
    maxNativeDelayMs: 0,
    // No upper bound on a PEL entry's idle time; a week keeps a forgotten lease finite.
    lease: { expires: true, extendable: true, minMs: 1_000, maxMs: 7 * 24 * 3_600_000 },
    ordering: false,
    dedup: { windowMs: settings.dedupWindowMs },
    nativeDeadLetter: false,
    stats: ['ready', 'delayed', 'inFlight', 'deadLettered'],
    listQueues: true,
    // Late by at most: the forwarder's idle pause (a new short delay, 100 ms), or a reclaim
    // period (an expired lease, at most 200 ms), plus a round trip.
    timing: { granularityMs: 1, toleranceMs: 250 },
  };
}
