import type { Delivery } from '../driver/delivery.js';
import { TypedEmitter, type WorkerEvents } from './events.js';
import type { Handler } from './job.js';
import { type JobOutcome, JobRunner } from './job-runner.js';
import type { QueueRuntime } from './queue-runtime.js';

/**
 * Runs a queue's handler on deliveries that a platform hands over, rather than a worker's receive
 * loop: an AWS Lambda batch, a Pub/Sub push request. Same decoding, attempts, backoff,
 * dead-lettering and events as a worker. The adapter builds each `Delivery` so that its
 * settlement does what the platform expects (e.g. a Lambda delivery's retry reports a batch item
 * failure).
 */
export class DeliveryHandler<T = unknown> extends TypedEmitter<WorkerEvents<T>> {
  readonly #runner: JobRunner<T>;

  /** @internal Created by `platformOf(queue).createDeliveryHandler` (@polyqueue/core/driver). */
  constructor(rt: QueueRuntime<T>, handler: Handler<T>, handlerTimeoutMs: number | undefined) {
    super(rt.logger);
    this.#runner = new JobRunner(rt, handler, handlerTimeoutMs, {
      emit: (event, ...args) => this.emit(event, ...args),
      listening: (event) => this.hasListeners(event),
    });
  }

  /** Handles one delivery to the end and says how it was settled. Never rejects. */
  async handle(delivery: Delivery): Promise<JobOutcome> {
    try {
      return await this.#runner.run({ delivery, state: 'running' });
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
      return 'unsettled';
    }
  }
}
