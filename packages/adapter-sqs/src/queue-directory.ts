import { ConfigError, QueueNotFoundError } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';
import { ErrorCode } from '@polyqueue/core/driver';
import { RECORD_ROOM_BYTES } from './dead-letter-copy.js';
import type { QueueRef } from './queue-ref.js';
import type { SqsApi } from './sqs-api.js';
import { sqsErrorCode } from './sqs-errors.js';
import { assertUnreserved, nativeDelayQueueName, nativeQueueName } from './sqs-names.js';

/** How far above `maxAttempts` the native crash-loop safety net sits (R6). */
export const REDRIVE_MARGIN = 2;

/**
 * The native safety net's `maxReceiveCount`. On FIFO a job waiting behind one that fails is
 * received (and handed back unstarted) once per failed attempt of that job, up to
 * `maxAttempts - 1` times: those receives are credited in process, but SQS counts them, so the
 * net sits that much higher there, lest it take the follower before its own attempts are used.
 */
export function nativeReceiveLimit(maxAttempts: number, fifo: boolean): number {
  return maxAttempts + REDRIVE_MARGIN + (fifo ? maxAttempts - 1 : 0);
}

/**
 * Maps logical queues to native ones, provisions them idempotently and caches their URL, ARN and
 * size limit. Failed look-ups are not cached, so a queue created later is found.
 */
export class QueueDirectory {
  readonly #api: SqsApi;
  readonly #prefix: string;
  readonly #fifo: boolean;
  readonly #refs = new Map<string, Promise<QueueRef>>();
  /** Native name -> the logical name that uses it: the mapping must stay one-to-one. */
  readonly #owners = new Map<string, string>();

  constructor(api: SqsApi, prefix: string, fifo: boolean) {
    this.#api = api;
    this.#prefix = prefix;
    this.#fifo = fifo;
  }

  work(logical: string): Promise<QueueRef> {
    try {
      return this.#resolve(logical, this.#nativeName(logical), this.#fifo);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  deadLetter(topology: QueueTopology): Promise<QueueRef> {
    return this.work(topology.deadLetterName);
  }

  /** The delay path's queue: a standard queue, whatever the work queue's type. */
  delay(logical: string): Promise<QueueRef> {
    try {
      return this.#resolve(`${logical} (delay queue)`, this.#delayName(logical), false);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Creates the dead-letter queue (same type as the work queue), the work queue with its redrive
   * policy and lease, and the delay queue. Safe to run from any number of processes.
   */
  async provision(topology: QueueTopology): Promise<void> {
    const dlqName = this.#nativeName(topology.deadLetterName);
    const workName = this.#nativeName(topology.name);
    const delayName = this.#delayName(topology.name);
    const dlq = await this.#create(topology.deadLetterName, dlqName, this.#fifo);
    const work = await this.#create(topology.name, workName, this.#fifo);
    await this.#api.setQueueAttributes({
      QueueUrl: work.url,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: String(Math.min(1_000, nativeReceiveLimit(topology.maxAttempts, this.#fifo))),
        }),
        // Room for a dead letter's record: any message the work queue takes, a foreign one at its
        // very limit included, then fits in the dead-letter queue with its error metadata.
        MaximumMessageSize: String(Math.max(1_024, dlq.maxBytes - RECORD_ROOM_BYTES)),
        // The queue's default lease is what Lambda and plain consumers get; workers ask per receive.
        VisibilityTimeout: String(Math.min(43_200, Math.max(1, Math.ceil(topology.leaseMs / 1_000)))),
      },
    });
    // Its size limit just changed: read again on next use.
    this.#refs.delete(workName);
    await this.#create(`${topology.name} (delay queue)`, delayName, false);
  }

  /**
   * The SQS name of a logical queue, refused when it is reserved or when another logical name of
   * this driver already maps to it (`a.b` and `a_b` would be one SQS queue: "." becomes "_").
   */
  #nativeName(logical: string): string {
    assertUnreserved(logical);
    return this.#claim(logical, nativeQueueName(this.#prefix, logical, this.#fifo));
  }

  #delayName(logical: string): string {
    assertUnreserved(logical);
    return this.#claim(`${logical} (delay queue)`, nativeDelayQueueName(this.#prefix, logical));
  }

  #claim(owner: string, native: string): string {
    const previous = this.#owners.get(native);
    if (previous === undefined) this.#owners.set(native, owner);
    else if (previous !== owner) {
      throw new ConfigError(
        `Queues "${previous}" and "${owner}" would be the same SQS queue "${native}" (SQS names have no ".", so it becomes "_"): rename one of them`,
      );
    }
    return native;
  }

  async #create(logical: string, name: string, fifo: boolean): Promise<QueueRef> {
    try {
      await this.#api.createQueue({
        QueueName: name,
        ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}),
      });
    } catch (error) {
      // A queue that exists with other attributes (set by an operator) is still our queue.
      if (sqsErrorCode(error) !== ErrorCode.AlreadyExists) throw error;
    }
    this.#refs.delete(name);
    return this.#resolve(logical, name, fifo);
  }

  #resolve(logical: string, name: string, fifo: boolean): Promise<QueueRef> {
    let ref = this.#refs.get(name);
    if (ref === undefined) {
      ref = this.#lookUp(logical, name, fifo);
      this.#refs.set(name, ref);
      ref.catch(() => this.#refs.delete(name));
    }
    return ref;
  }

  async #lookUp(logical: string, name: string, fifo: boolean): Promise<QueueRef> {
    let url: string | undefined;
    try {
      ({ QueueUrl: url } = await this.#api.getQueueUrl({ QueueName: name }));
    } catch (error) {
      // Named here, where it is known which queue is missing: the work queue, its dead-letter
      // queue or its delay queue (the core would name the work queue for all three).
      if (sqsErrorCode(error) === ErrorCode.NotFound) throw new QueueNotFoundError(logical, error);
      throw error;
    }
    if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
    const { Attributes: attributes = {} } = await this.#api.getQueueAttributes({
      QueueUrl: url,
      AttributeNames: ['QueueArn', 'MaximumMessageSize'],
    });
    const maxBytes = Number(attributes.MaximumMessageSize);
    return {
      name,
      url,
      arn: attributes.QueueArn ?? '',
      fifo,
      maxBytes: Number.isSafeInteger(maxBytes) && maxBytes > 0 ? maxBytes : 262_144,
    };
  }
}
