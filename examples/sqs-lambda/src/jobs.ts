import { type Broker, connect, type Handler } from '@polyqueue/core';

/** The job both the worker and the Lambda function run: written once. */
export interface ThumbnailJob {
  readonly imageKey: string;
  readonly width: number;
}

export const makeThumbnail: Handler<ThumbnailJob> = async (job) => {
  if (job.payload.width <= 0) throw new Error(`bad width ${job.payload.width}`);
  console.log(
    `thumbnail ${job.payload.imageKey} @${job.payload.width}px (attempt ${job.attempt}/${job.maxAttempts})`,
  );
};

/** The queue definition, shared too: same name, attempts, backoff and lease everywhere. */
export function thumbnails(broker: Broker) {
  return broker.queue<ThumbnailJob>('thumbnails', {
    maxAttempts: 5,
    backoff: { type: 'exponential', initialMs: 2_000, maxMs: 60_000, jitter: true },
    leaseMs: 60_000,
  });
}

/** e.g. QUEUE_URL=sqs://?region=eu-west-1 (or an emulator: sqs://?endpoint=http://127.0.0.1:9324). */
export function connectBroker(): Promise<Broker> {
  // An empty QUEUE_URL= (common in compose files and CI) means unset, like a missing one.
  return connect(process.env.QUEUE_URL || 'sqs://');
}
