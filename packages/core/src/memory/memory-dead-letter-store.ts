import type { DeadLetterStore, RedriveRequest, StoredDeadLetter } from '../driver/dead-letter-store.js';
import { redrivenMeta } from '../driver/kit/job-meta.js';
import { type RedriveSource, redrive } from '../driver/kit/redrive.js';
import type { SendOutcome } from '../driver/outgoing-message.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { InFlight } from './in-flight.js';
import type { MemoryConnection } from './memory-connection.js';
import { type MemoryMessage, toRaw } from './memory-message.js';
import type { MemoryQueue } from './memory-queue.js';

/** Dead letters are taken under a lease, as a consumer would take them, while a redrive moves them. */
const REDRIVE_LEASE_MS = 60_000;
const REDRIVE_BATCH = 100;
const OK: SendOutcome = Object.freeze({ ok: true });

/** A queue's dead-letter queue on the memory broker: `<queue>.dlq`, an ordinary memory queue. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #driver: MemoryConnection;
  readonly #topology: QueueTopology;

  constructor(driver: MemoryConnection, topology: QueueTopology) {
    this.#driver = driver;
    this.#topology = topology;
  }

  async peek(limit: number): Promise<readonly StoredDeadLetter[]> {
    const letters: StoredDeadLetter[] = [];
    for (const message of this.#dlq().readyMessages()) {
      if (letters.length >= limit) break;
      letters.push(stored(message));
    }
    return letters;
  }

  /**
   * Moves up to `limit` jobs back with the kit's redrive loop. The memory broker has no dedup id
   * for dead-letter copies, so a second copy of a job (left by a crash between copy and ack, or
   * published raw) is removed once the first is back on its queue, instead of running it twice.
   * With `select`, the others are held under the take's lease meanwhile: the call holds them for
   * less than that lease (on the broker's clock, which may be virtual).
   */
  redrive({ limit, select }: RedriveRequest): Promise<number> {
    const clock = this.#driver.server.clock;
    return redrive(this.#source(this.#dlq()), {
      limit,
      batchSize: REDRIVE_BATCH,
      ...(select !== undefined ? { select: (letter: InFlight) => select(stored(letter.message)) } : {}),
      hold: { ms: REDRIVE_LEASE_MS / 2, now: () => clock.now() },
    });
  }

  async purge(): Promise<number> {
    return this.#dlq().purge();
  }

  #source(dlq: MemoryQueue): RedriveSource<InFlight> {
    const driver = this.#driver;
    return {
      take: async (max) => dlq.take(max, driver, REDRIVE_LEASE_MS),
      jobId: (letter) => letter.message.meta.id,
      publish: async (letters) => {
        const now = driver.server.clock.now();
        for (const { message } of letters) {
          const target = driver.server.create(message.deadLetter?.sourceQueue || this.#topology.name);
          target.enqueue(
            {
              body: message.body,
              attributes: message.attributes,
              meta: redrivenMeta(message.meta, now),
              deliveryCount: 0,
              dueAt: 0,
            },
            { dedup: false },
          );
        }
        return letters.map(() => OK);
      },
      remove: async (letters) => {
        for (const letter of letters) dlq.ack(letter);
      },
      handBack: async (letters) => {
        for (const letter of letters) dlq.release(letter);
      },
    };
  }

  #dlq(): MemoryQueue {
    return this.#driver.queueOrThrow(this.#topology.deadLetterName);
  }
}

function stored(message: MemoryMessage): StoredDeadLetter {
  return {
    body: message.body,
    attributes: message.attributes,
    meta: message.meta,
    ...(message.deadLetter ? { record: message.deadLetter } : {}),
    native: toRaw(message),
  };
}
