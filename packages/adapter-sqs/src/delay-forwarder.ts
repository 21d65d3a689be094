import type { Message } from '@aws-sdk/client-sqs';
import {
  Batcher,
  completeMeta,
  Forwarder,
  type ForwarderSource,
  type SendOutcome,
} from '@polyqueue/core/driver';
import type { DelayedMessage } from './job-copies.js';
import { type QueueContext, SHORT_POLL_IDLE_MS } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { decodeAttributes } from './sqs-wire.js';

/** How long the forwarder hides a delay-queue message while it moves it. */
const FORWARD_LEASE_SECONDS = 30;
/** SQS returns at most 10 messages per receive, and takes at most 10 entries per batch call. */
const MAX_BATCH = 10;

/**
 * The delay path of one queue, on the kit's `Forwarder`: the delay queue holds each message for
 * at most the native maximum (`DelaySeconds`); when it shows up there, a message that may now go
 * to the work queue (due, or on a standard queue due within the native maximum, sent with the
 * remaining `DelaySeconds`) is published there, and any other hops back into the delay queue for
 * another stretch. Both are new messages, then the delay-queue message is deleted: a forwarder
 * that dies in between leaves a copy that comes back, never a loss (a FIFO work queue drops the
 * duplicate by its deduplication id). Errors go to the broker's error event (the kit reports
 * them), never to the workers: a delay-queue fault does not slow the work queue down.
 */
export function delayForwarder(context: QueueContext): Forwarder<DelayedMessage> {
  return new Forwarder(new DelaySource(context), {
    clock: context.clock,
    errors: context.errors,
    queue: context.topology.name,
    pullSize: MAX_BATCH,
    // Due within a second: held until due (the receive's lease covers it) rather than hopped,
    // since a hop is at least one whole `DelaySeconds`.
    holdInMemoryBelowMs: 1_000,
    idleMs: context.waitTimeSeconds > 0 ? 0 : SHORT_POLL_IDLE_MS,
  });
}

class DelaySource implements ForwarderSource<DelayedMessage> {
  readonly #context: QueueContext;
  /** What may wait on the work queue itself: the native delay maximum (none on FIFO). */
  readonly #nativeDelayMs: number;
  /** Hops of the same pull share a `SendMessageBatch`. */
  readonly #hops: Batcher<DelayedMessage>;

  constructor(context: QueueContext) {
    this.#context = context;
    this.#nativeDelayMs = context.fifo ? 0 : context.maxNativeDelaySeconds * 1_000;
    this.#hops = new Batcher({ maxSize: MAX_BATCH, flush: (items) => this.#place(items) });
  }

  async pull(max: number, signal: AbortSignal): Promise<readonly DelayedMessage[]> {
    const messages = await this.#context.calls.receive(
      await this.#queue(),
      {
        MaxNumberOfMessages: Math.min(max, MAX_BATCH),
        WaitTimeSeconds: this.#context.waitTimeSeconds,
        VisibilityTimeout: FORWARD_LEASE_SECONDS,
        MessageAttributeNames: ['All'],
        // SentTimestamp, for a foreign message's enqueuedAt (the emulator reads only the old name).
        MessageSystemAttributeNames: ['SentTimestamp'],
        AttributeNames: ['All'],
      },
      signal,
    );
    return messages.map(decode);
  }

  /** When it may leave the delay queue: on a standard queue, once due within the native maximum. */
  dueAt({ meta }: DelayedMessage): number {
    return meta.notBefore === undefined ? 0 : meta.notBefore - this.#nativeDelayMs;
  }

  key({ message }: DelayedMessage): string {
    return message.MessageId ?? message.ReceiptHandle ?? '';
  }

  /** Hops back into the delay queue (a new message), then deletes this one. */
  async holdBack(item: DelayedMessage): Promise<void> {
    await this.#hops.add(item);
    await this.#context.calls.delete(await this.#queue(), item.message.ReceiptHandle ?? '');
  }

  publish(items: readonly DelayedMessage[]): Promise<readonly SendOutcome[]> {
    return this.#context.copies.placeDelayed(this.#context.topology, items);
  }

  async ack(items: readonly DelayedMessage[]): Promise<void> {
    const queue = await this.#queue();
    await Promise.all(
      items.map(({ message }) => this.#context.calls.delete(queue, message.ReceiptHandle ?? '')),
    );
  }

  /** Visible again at once, for this or another forwarder. */
  async handBack(items: readonly DelayedMessage[]): Promise<void> {
    const receipts = items.map(({ message }) => message.ReceiptHandle ?? '');
    await this.#context.calls.makeVisible(await this.#queue(), receipts);
  }

  /** Placement outcomes as the Batcher wants them: undefined for a sent entry, else its error. */
  async #place(items: readonly DelayedMessage[]): Promise<readonly unknown[]> {
    const outcomes = await this.#context.copies.placeDelayed(this.#context.topology, items);
    return outcomes.map((outcome) => (outcome.ok ? undefined : outcome.error));
  }

  #queue(): Promise<QueueRef> {
    return this.#context.delay();
  }
}

function decode(message: Message): DelayedMessage {
  const { meta, attributes } = decodeAttributes(message.MessageAttributes);
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    message,
    attributes,
    meta: completeMeta(
      { ...meta, id: meta.id ?? message.MessageId ?? '' },
      Number.isSafeInteger(sent) ? sent : Date.now(),
    ),
  };
}
