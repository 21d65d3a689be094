import type { Message } from '@aws-sdk/client-sqs';
import type { QueueTopology } from '@polyqueue/core/driver';
import { ErrorCode } from '@polyqueue/core/driver';
import { idlePause } from './idle-pause.js';
import type { QueueRef } from './queue-directory.js';
import type { SqsDriver } from './sqs-driver.js';
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
  readonly #driver: SqsDriver;
  readonly #topology: QueueTopology;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(driver: SqsDriver, topology: QueueTopology) {
    this.#driver = driver;
    this.#topology = topology;
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
      delayQueue = await this.#driver.directory.delay(this.#topology.name);
    } catch (error) {
      // No delay queue (provisioning off, not created): no delayed job can be waiting in it.
      if (sqsErrorCode(error) !== ErrorCode.NotFound) this.#report(error);
      return;
    }
    while (!signal.aborted) {
      try {
        const messages = await this.#driver.receiveMessages(
          delayQueue,
          {
            QueueUrl: delayQueue.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.#driver.waitTimeSeconds,
            VisibilityTimeout: FORWARD_LEASE_SECONDS,
            MessageAttributeNames: ['All'],
          },
          signal,
        );
        if (messages.length > 0) await this.#forward(delayQueue, messages);
        else await idlePause(this.#driver.waitTimeSeconds, signal);
      } catch (error) {
        if (signal.aborted) return;
        // Reported, not thrown at the workers: the work queue keeps flowing while this retries.
        this.#report(error);
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS).unref());
      }
    }
  }

  #report(error: unknown): void {
    this.#driver.report({ action: 'forward', queue: this.#topology.name, error });
  }

  async #forward(delayQueue: QueueRef, messages: readonly Message[]): Promise<void> {
    const moved = await this.#driver.copies.placeDelayed(
      this.#topology,
      messages.map((message) => ({ message, decoded: decodeAttributes(message.MessageAttributes) })),
    );
    const done = messages.filter((_, i) => moved[i]).map((message) => message.ReceiptHandle ?? '');
    await Promise.all(done.map((receipt) => this.#driver.deleteMessage(delayQueue, receipt)));
  }
}
