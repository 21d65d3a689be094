import { Forwarder, type HandBackReason, type QueueService, type SendOutcome } from '@polyqueue/core/driver';
import type { PullBatch, ReceivedMessage } from './nats-client.js';
import { FORWARDER_CONSUMER } from './nats-names.js';
import { decodeMessage } from './nats-wire.js';
import type { QueueContext } from './queue-context.js';

const PULL_SIZE = 256;
const PULL_EXPIRES_MS = 5_000;
/**
 * A job whose forward failed is NAKed with this delay. The broker's, not a pull pause: the kit backs
 * off its pulls while publishes fail, but our pull request stays open across pulls, so the server
 * would push a job NAKed without a delay straight back into it.
 */
const RETRY_AFTER_MS = 500;
const NOT_BEFORE = 'pq-not-before';

/**
 * Moves due jobs from a queue's delay stream to its work stream (docs/brokers.md, NATS JetStream:
 * delays before 2.12), on the kit's Forwarder; this is the NATS part of it.
 *
 * Every process with an open receiver on the queue runs one; they share the durable
 * `pq-forwarder` consumer, so each delayed message is in one forwarder's hands at a time. A
 * message not yet due is NAKed with exactly its remaining time (`holdBack`): the server hands it
 * back when it is due, and jobs due sooner are never held behind it (a NAK counts as a delivery,
 * so that consumer has no MaxDeliver). A due one is published to the work stream with a
 * `Nats-Msg-Id` naming its delay-stream sequence, then acked: a forwarder that dies in between
 * leaves it to be forwarded again, and the work stream drops the repeat. Waiting costs no
 * attempts: the copy keeps the job's `pq-attempt-offset`, and its own delivery count starts at 0.
 */
export function delayForwarder(queue: QueueContext): QueueService {
  const source = new DelayStreamSource(queue);
  const forwarder = new Forwarder(source, {
    clock: queue.clock,
    errors: queue.errors,
    queue: queue.topology.name,
    pullSize: PULL_SIZE,
  });
  let stopWatching: (() => void) | undefined;
  return {
    start() {
      // After a reconnect the server has forgotten the open pull: a new one is made at once.
      stopWatching ??= queue.client.onReconnect(() => source.dropPull());
      forwarder.start();
    },
    async stop(mode) {
      stopWatching?.();
      await forwarder.stop(mode);
      await source.close(mode);
    },
  };
}

/**
 * The delay stream as the Forwarder's source. One pull request stays open across `pull` calls
 * (each hands over what has arrived so far), so a due job is forwarded as soon as it arrives,
 * not when its pull ends.
 */
class DelayStreamSource {
  readonly #queue: QueueContext;
  #batch: PullBatch | undefined;
  /** A pull that failed after bringing messages: thrown by the next `pull`, so it is reported. */
  #failed: { readonly error: unknown } | undefined;

  constructor(queue: QueueContext) {
    this.#queue = queue;
  }

  async pull(max: number, signal: AbortSignal): Promise<readonly ReceivedMessage[]> {
    const failed = this.#failed;
    if (failed !== undefined) {
      this.#failed = undefined;
      throw failed.error;
    }
    const { client, names } = this.#queue;
    this.#batch ??= await client.pull(names.delayStream, FORWARDER_CONSUMER, {
      maxMessages: max,
      expiresMs: PULL_EXPIRES_MS,
    });
    const batch = this.#batch;
    // Stopping the pull ends the wait below: next() gives what arrived, then undefined.
    const stop = () => batch.stop();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop(); // aborted while the pull request was being made
    const out: ReceivedMessage[] = [];
    try {
      for (let message = await batch.next(); message !== undefined; ) {
        out.push(message);
        // Aborted: everything this pull brought goes back to the Forwarder, which hands it back.
        if (!signal.aborted && (out.length >= max || batch.buffered() === 0)) break;
        message = await batch.next();
      }
      if (out.length > 0 && !signal.aborted && batch.pending() + batch.buffered() === 0) await batch.next(); // ended: learn at once whether it failed
      if (out.length === 0 || signal.aborted || batch.pending() + batch.buffered() === 0)
        this.#batch = undefined;
      return out;
    } catch (error) {
      this.#batch = undefined;
      if (out.length === 0) throw error;
      // What arrived before the failure is forwarded; the failure is the next call's to report.
      this.#failed = { error };
      return out;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  dueAt(message: ReceivedMessage): number {
    return decodeMessage(message.headers).meta.notBefore ?? 0;
  }

  key(message: ReceivedMessage): string {
    return String(message.streamSequence);
  }

  async holdBack(message: ReceivedMessage, remainingMs: number): Promise<void> {
    message.nak(remainingMs);
  }

  publish(messages: readonly ReceivedMessage[]): Promise<readonly SendOutcome[]> {
    const { client, names } = this.#queue;
    return Promise.all(
      messages.map((message) =>
        client
          .publish(names.subject, message.data, {
            headers: forwardedHeaders(message.headers),
            msgId: `pq-fwd:${names.delayStream}:${message.streamSequence}`,
          })
          .then(
            (): SendOutcome => OK,
            (error: unknown): SendOutcome => ({ ok: false, error }),
          ),
      ),
    );
  }

  async ack(messages: readonly ReceivedMessage[]): Promise<void> {
    for (const message of messages) message.ack();
  }

  /** On stop, what is handed back goes to another forwarder at once. */
  async handBack(messages: readonly ReceivedMessage[], reason: HandBackReason): Promise<void> {
    const delay = reason === 'stop' ? undefined : RETRY_AFTER_MS;
    for (const message of messages) message.nak(delay);
  }

  /** Ends the open pull (a waiting `pull` then returns what arrived); the next call makes a new one. */
  dropPull(): void {
    this.#batch?.stop();
    this.#batch = undefined;
  }

  /** After the Forwarder stopped: ends the open pull; graceful hands back what it still holds. */
  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined) return;
    batch.stop();
    if (mode === 'abandon') return;
    try {
      for (let message = await batch.next(); message !== undefined; message = await batch.next())
        message.nak();
    } catch {
      // A failed pull holds nothing more: its messages come back after AckWait.
    }
  }
}

const OK: SendOutcome = Object.freeze({ ok: true });

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
