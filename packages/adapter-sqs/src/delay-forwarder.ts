import type { Message } from '@aws-sdk/client-sqs';
import { ErrorCode } from '@polyqueue/core/driver';
import { idlePause } from './idle-pause.js';
import type { QueueContext } from './queue-context.js';
import type { QueueRef } from './queue-ref.js';
import { sqsErrorCode } from './sqs-errors.js';
import { decodeAttributes } from './sqs-wire.js';

/** How long the forwarder hides a delay-queue message while it moves it. */
const FORWARD_LEASE_SECONDS = 30;
const ERROR_BACKOFF_MS = 1_000;

/**
 * Moves due jobs from a queue's delay queue: a message not yet within the native maximum hops
 * back into the delay queue for another stretch, one that is goes to the work queue (with its
 * remaining `DelaySeconds` on a standard queue, when fully due on a FIFO one). Publish, then
 * delete: a forwarder that dies in between leaves a copy that comes back, never a loss (FIFO work
 * queues drop the duplicate by its deduplication id). Runs while a receiver for the queue is
 * open in this process; several forwarders on one delay queue are safe together.
 */
export class DelayForwarder {
  readonly #context: QueueContext;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(context: QueueContext) {
    this.#context = context;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let delayQueue: QueueRef;
    try {
      delayQueue = await this.#context.delay();
    } catch (error) {
      // No delay queue (provisioning off, not created): no delayed job can be waiting in it.
      if (sqsErrorCode(error) !== ErrorCode.NotFound) this.#report(error);
      return;
    }
    while (!signal.aborted) {
      try {
        const messages = await this.#context.calls.receive(
          delayQueue,
          {
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.#context.waitTimeSeconds,
            VisibilityTimeout: FORWARD_LEASE_SECONDS,
            MessageAttributeNames: ['All'],
          },
          signal,
        );
        if (messages.length > 0) await this.#forward(delayQueue, messages);
        else await idlePause(this.#context.waitTimeSeconds, signal);
      } catch (error) {
        if (signal.aborted) return;
        // Reported, not thrown at the workers: the work queue keeps flowing while this retries.
        this.#report(error);
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS).unref());
      }
    }
  }

  #report(error: unknown): void {
    this.#context.report('forward', error);
  }

  async #forward(delayQueue: QueueRef, messages: readonly Message[]): Promise<void> {
    const moved = await this.#context.copies.placeDelayed(
      this.#context.topology,
      messages.map((message) => ({ message, decoded: decodeAttributes(message.MessageAttributes) })),
    );
    const done = messages.filter((_, i) => moved[i]).map((message) => message.ReceiptHandle ?? '');
    await Promise.all(done.map((receipt) => this.#context.calls.delete(delayQueue, receipt)));
  }
}
