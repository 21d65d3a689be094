import type { Message } from '@aws-sdk/client-sqs';
import type { DeadLetterRecord, JobMeta, QueueTopology, SendOutcome } from '@polyqueue/core/driver';
import { deadLetterCopy } from './dead-letter-copy.js';
import { delayRoute } from './delay-route.js';
import { bodyText, buildOutgoing, fifoPlacement, type Routed, sendOne, sendRouted } from './outgoing.js';
import type { QueueDirectory } from './queue-directory.js';
import type { SqsApi } from './sqs-api.js';
import { fifoToken } from './sqs-names.js';

/** A message of a delay queue, decoded: what the forwarder places. */
export interface DelayedMessage {
  readonly message: Message;
  readonly meta: JobMeta;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Every copy the adapter makes of a job: a retry republished through the delay path, a dead
 * letter, a delayed job moved by the forwarder, a redriven letter. One place decides where a copy
 * goes (work or delay queue), with which delay, group and deduplication id.
 */
export class JobCopies {
  readonly #api: SqsApi;
  readonly #directory: QueueDirectory;
  readonly #fifo: boolean;
  readonly #maxNativeDelaySeconds: number;

  constructor(api: SqsApi, directory: QueueDirectory, fifo: boolean, maxNativeDelaySeconds: number) {
    this.#api = api;
    this.#directory = directory;
    this.#fifo = fifo;
    this.#maxNativeDelaySeconds = maxNativeDelaySeconds;
  }

  /** A copy of a job through the delay path (a retry longer than the visibility budget allows). */
  async republish(
    topology: QueueTopology,
    body: string,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
  ): Promise<void> {
    const routed = await this.route(topology, body, attributes, meta, Date.now(), {
      dedup: `${meta.id}.a${meta.attemptOffset}`,
    });
    await sendOne(this.#api, routed.target, routed.message);
  }

  /**
   * Puts a job in its dead-letter queue with the record (cut to fit if need be). Attempts restart
   * when it is redriven. On FIFO the copy's deduplication id is the job id and the source
   * message's id: a dead-lettering repeated within 5 minutes (the delete after it failed, the
   * job came back and was dead-lettered again) is dropped by SQS instead of making a second letter.
   */
  async sendToDeadLetters(
    topology: QueueTopology,
    body: string,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    record: DeadLetterRecord,
    sourceMessageId: string,
  ): Promise<void> {
    const dlq = await this.#directory.deadLetter(topology);
    const letterMeta = withoutDelay({ ...meta, attemptOffset: 0 });
    const placement = this.#fifo
      ? { groupId: fifoToken(meta.id), dedupId: fifoToken(`${meta.id}.dl.${sourceMessageId}`) }
      : {};
    await sendOne(this.#api, dlq, deadLetterCopy(body, attributes, letterMeta, dlq, placement, record));
  }

  /**
   * The forwarder's placement of delay-queue messages: each goes to the work queue when due
   * (within the native maximum on standard queues, with the remaining `DelaySeconds`), else back
   * into the delay queue for another stretch. One outcome per message, in order.
   */
  async placeDelayed(topology: QueueTopology, items: readonly DelayedMessage[]): Promise<SendOutcome[]> {
    const now = Date.now();
    const routed = await Promise.all(
      items.map(({ message, meta, attributes }) => {
        const dedup =
          meta.attemptOffset === 0 && meta.dedupId !== undefined
            ? meta.dedupId
            : `${meta.id}.a${meta.attemptOffset}`;
        return this.route(topology, message.Body ?? '', attributes, meta, now, { dedup }).catch(
          (error: Error) => error,
        );
      }),
    );
    return sendRouted(this.#api, routed);
  }

  /** Sends messages of the dead-letter store's redrive. */
  sendMessages(routed: readonly (Routed | Error)[]): Promise<SendOutcome[]> {
    return sendRouted(this.#api, routed);
  }

  /** Routes a message of `topology` (now, or through the delay path) and builds it. */
  routeJob(
    topology: QueueTopology,
    body: string,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    dedup: string,
  ): Promise<Routed> {
    return this.route(topology, body, attributes, meta, Date.now(), { dedup });
  }

  /** Routes a message of `topology` now (the work queue) or through the delay path, and builds it. */
  async route(
    topology: QueueTopology,
    body: Uint8Array | string,
    attributes: Readonly<Record<string, string>>,
    meta: JobMeta,
    now: number,
    options: { dedup: string },
  ): Promise<Routed> {
    const text = typeof body === 'string' ? body : bodyText(body);
    const route = delayRoute(meta.notBefore, now, this.#fifo, this.#maxNativeDelaySeconds);
    if (route.queue === 'delay') {
      const target = await this.#directory.delay(topology.name);
      const placement = route.delaySeconds > 0 ? { delaySeconds: route.delaySeconds } : {};
      return { target, message: buildOutgoing(text, attributes, meta, target, placement) };
    }
    const target = await this.#directory.work(topology.name);
    const placement = {
      ...(this.#fifo ? fifoPlacement(meta, options.dedup) : {}),
      ...(route.delaySeconds > 0 ? { delaySeconds: route.delaySeconds } : {}),
    };
    return { target, message: buildOutgoing(text, attributes, meta, target, placement) };
  }
}

function withoutDelay(meta: JobMeta): JobMeta {
  const { notBefore: _, ...rest } = meta;
  return rest;
}
