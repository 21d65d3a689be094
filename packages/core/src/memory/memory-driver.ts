import type { Capabilities } from '../driver/capabilities.js';
import type { DeadLetterStore } from '../driver/dead-letter-store.js';
import type { Driver } from '../driver/driver.js';
import type { OutgoingMessage, SendOutcome } from '../driver/outgoing-message.js';
import type { QueueStats } from '../driver/queue-stats.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import type { Receiver, ReceiverOptions } from '../driver/receiver.js';
import { ErrorCode } from '../errors/error-code.js';
import { MemoryBrokerError } from './memory-broker-error.js';
import type { MemoryConnection } from './memory-connection.js';
import { MemoryDeadLetterStore } from './memory-dead-letter-store.js';
import type { MemoryMessage } from './memory-message.js';
import { checkWorkQueueName } from './memory-names.js';
import type { MemoryQueue } from './memory-queue.js';
import type { MemoryQueues } from './memory-queues.js';
import { MemoryReceiver } from './memory-receiver.js';
import { isPlain, MessageRun } from './message-run.js';

const OK: SendOutcome = Object.freeze({ ok: true });
const MIN_RUN = 8;

/**
 * One connection to a MemoryServer: the memory adapter's driver. `S` is the server's own type
 * (MemoryServer), so that `native()` returns it without this file importing the server.
 */
export class MemoryDriver<S extends MemoryQueues = MemoryQueues> implements Driver, MemoryConnection {
  readonly name = 'memory';
  readonly capabilities: Capabilities;
  readonly server: S;
  #state: 'open' | 'closed' | 'dead' = 'open';

  constructor(server: S) {
    this.server = server;
    this.capabilities = {
      maxMessageBytes: server.maxMessageBytes,
      maxBatchSize: 10_000,
      maxNativeDelayMs: server.maxNativeDelayMs,
      lease: { expires: true, extendable: true, minMs: 1, maxMs: 12 * 3_600_000 },
      ordering: true,
      dedup: { windowMs: server.dedupWindowMs },
      nativeDeadLetter: false,
      stats: ['ready', 'delayed', 'inFlight', 'deadLettered'],
      listQueues: true,
      timing: { granularityMs: 1, toleranceMs: 100 },
    };
  }

  get clock() {
    return this.server.clock;
  }

  /** False once closed or abandoned: settlements from this connection are then no-ops. */
  get alive(): boolean {
    return this.#state === 'open';
  }

  async provision(queue: QueueTopology): Promise<void> {
    this.#assertOpen();
    checkWorkQueueName(queue);
    this.server.create(queue.name);
    this.server.create(queue.deadLetterName);
    this.server.markWorkQueue(queue.name);
  }

  async send(topology: QueueTopology, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    checkWorkQueueName(topology);
    const queue = this.#queue(topology.name);
    const outcomes: SendOutcome[] = new Array(messages.length);
    // The send log keeps message objects, so with it on every message is stored as one.
    const runs = !this.server.recordsSends;
    let i = 0;
    while (i < messages.length) {
      if (runs && isPlain(messages[i]!)) {
        let end = i + 1;
        while (end < messages.length && isPlain(messages[end]!)) end++;
        // A run's arrays cost more than they save for a message or two (one send() call).
        if (end - i >= MIN_RUN) {
          queue.enqueueRun(new MessageRun(messages, i, end));
          for (; i < end; i++) outcomes[i] = OK;
          continue;
        }
      }
      const { body, attributes, meta } = messages[i]!;
      const message: MemoryMessage = { body, attributes, meta, deliveryCount: 0, dueAt: 0 };
      const duplicateOf = queue.enqueue(message);
      this.server.recordSend(topology.name, message);
      outcomes[i++] = duplicateOf === undefined ? OK : { ok: true, duplicateOf };
    }
    return outcomes;
  }

  receiver(topology: QueueTopology, options: ReceiverOptions): Receiver {
    return new MemoryReceiver(this, topology, options.leaseMs);
  }

  deadLetters(topology: QueueTopology): DeadLetterStore {
    return new MemoryDeadLetterStore(this, topology);
  }

  async stats(topology: QueueTopology): Promise<QueueStats> {
    const counts = this.#queue(topology.name).counts();
    const dlq = this.server.queue(topology.deadLetterName)?.counts();
    return { ...counts, deadLettered: dlq ? dlq.ready + dlq.delayed + dlq.inFlight : 0 };
  }

  async queues(): Promise<readonly string[]> {
    this.#assertOpen();
    return this.server.workQueueNames();
  }

  errorCode(error: unknown): ErrorCode {
    return error instanceof MemoryBrokerError ? error.code : ErrorCode.Unknown;
  }

  /** The escape hatch: the MemoryServer itself. */
  native(): S {
    return this.server;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    for (const name of this.server.queueNames()) {
      const queue = this.server.queue(name)!;
      queue.dropWaiters(this);
      // A graceful disconnect hands unsettled deliveries back at once, as an AMQP channel close
      // does; an abandoned one leaves them for lease expiry, as a crashed process would.
      if (mode === 'graceful') queue.releaseAll(this);
    }
  }

  /** @internal */
  queueOrThrow(name: string): MemoryQueue {
    return this.#queue(name);
  }

  #queue(name: string): MemoryQueue {
    this.#assertOpen();
    const queue = this.server.queue(name);
    if (queue === undefined)
      throw new MemoryBrokerError(`queue "${name}" does not exist`, ErrorCode.NotFound);
    return queue;
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new MemoryBrokerError('connection is closed', ErrorCode.Unavailable);
  }
}
