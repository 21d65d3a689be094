import { ABORTED, pause, untilAborted } from './abortable.js';
import type { PullBatch, ReceivedMessage } from './nats-client.js';
import { FORWARDER_CONSUMER } from './nats-names.js';
import { decodeMessage } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

const PULL_SIZE = 256;
const PULL_EXPIRES_MS = 5_000;
/** After a failed publish, the job comes back after this long (the connection is recovering). */
const RETRY_AFTER_MS = 500;
/** After failed pulls, wait this long before the next, doubling up to PULL_RETRY_MAX_MS. */
const PULL_RETRY_FIRST_MS = 500;
const PULL_RETRY_MAX_MS = 8_000;
const NOT_BEFORE = 'pq-not-before';

/**
 * Moves due jobs from a queue's delay stream to its work stream (docs/brokers.md, NATS JetStream: delays before 2.12).
 *
 * Every process with an open receiver on the queue runs one; they share the durable
 * `pq-forwarder` consumer, so each delayed message is in one forwarder's hands at a time. A
 * message not yet due is NAKed with exactly its remaining time: the server hands it back when it
 * is due, and jobs due sooner are never held behind it (a NAK counts as a delivery, so that
 * consumer has no MaxDeliver). A due one is published to the work stream with a `Nats-Msg-Id`
 * naming its delay-stream sequence, then acked: a forwarder that dies in between leaves it to be
 * forwarded again, and the work stream drops the repeat. Waiting costs no attempts: the copy keeps
 * the job's `pq-attempt-offset`, and its own delivery count starts at 0.
 *
 * Nobody awaits this loop: a failed pull or publish is reported to the broker's error event
 * (action `forward`) and tried again, pulls with a growing pause while they keep failing.
 */
export class DelayForwarder {
  readonly #queue: QueueContext;
  readonly #stop = new AbortController();
  #batch: PullBatch | undefined;
  #loop: Promise<void> | undefined;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops pulling; whatever it holds and has not forwarded is NAKed back at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#batch?.stop();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { client, names } = this.#queue;
    const signal = this.#stop.signal;
    let wait = PULL_RETRY_FIRST_MS;
    while (!signal.aborted) {
      try {
        const batch = await client.pull(names.delayStream, FORWARDER_CONSUMER, {
          maxMessages: PULL_SIZE,
          expiresMs: PULL_EXPIRES_MS,
        });
        this.#batch = batch;
        for (;;) {
          const next = batch.next();
          const message = await untilAborted(next, signal);
          if (message === undefined) break;
          if (message === ABORTED) {
            await this.#handBack(batch, next);
            break;
          }
          this.#forward(message);
        }
        wait = PULL_RETRY_FIRST_MS;
      } catch (error) {
        this.#queue.report('forward', error);
        await pause(wait, signal);
        wait = Math.min(wait * 2, PULL_RETRY_MAX_MS);
      } finally {
        this.#batch = undefined;
      }
    }
  }

  #forward(message: ReceivedMessage): void {
    const { client, names } = this.#queue;
    const notBefore = decodeMessage(message.headers).meta.notBefore ?? 0;
    const remaining = notBefore - this.#queue.now();
    if (remaining > 0) {
      message.nak(remaining);
      return;
    }
    client
      .publish(names.subject, message.data, {
        headers: forwardedHeaders(message.headers),
        msgId: `pq-fwd:${names.delayStream}:${message.streamSequence}`,
      })
      .then(
        () => message.ack(),
        (error: unknown) => {
          this.#queue.report('forward', error);
          message.nak(RETRY_AFTER_MS);
        },
      );
  }

  /** `pending` is the `next()` the stop interrupted: it resolves first, with the first leftover. */
  async #handBack(batch: PullBatch, pending: Promise<ReceivedMessage | undefined>): Promise<void> {
    batch.stop();
    let message = await pending.catch(() => undefined);
    while (message !== undefined) {
      message.nak();
      message = await batch.next().catch(() => undefined);
    }
  }
}

/** The job's headers, minus its due time and any server instruction (`Nats-*`). */
function forwardedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === NOT_BEFORE || lower.startsWith('nats-')) continue;
    out[name] = value;
  }
  return out;
}
