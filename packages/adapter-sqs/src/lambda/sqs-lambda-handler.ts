import type { DeliveryHandler, Handler, Middleware, Queue } from '@polyqueue/core';
import { ConfigError } from '@polyqueue/core';
import { platformOf } from '@polyqueue/core/driver';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueContext } from '../queue-context.js';
import type { QueueRef } from '../queue-ref.js';
import { SqsDriver } from '../sqs-driver.js';
import { LambdaDelivery } from './lambda-delivery.js';

export interface SqsLambdaOptions {
  /** Records of one event handled at once on a standard queue. Default 10. */
  readonly concurrency?: number;
  /**
   * FIFO queues, after a record fails (it will be retried): `'batch'` (default) reports it and
   * every later record of the event as failed without running them, which keeps every group in
   * order; `'group'` skips only the later records of the failed record's message group, as AWS
   * Lambda Powertools' SQS FIFO processor does with `skipGroupOnError`.
   */
  readonly fifoFailureScope?: 'batch' | 'group';
  readonly handlerTimeoutMs?: number;
  readonly middleware?: readonly Middleware[];
}

/** A Lambda handler for an SQS event source mapping, and the events of the jobs it runs. */
export interface SqsLambdaHandler<T> {
  (event: SQSEvent): Promise<SQSBatchResponse>;
  /** `completed`, `failed`, `retrying`, `dead-lettered`, `error`: the same events as a worker's. */
  readonly events: DeliveryHandler<T>;
}

/**
 * Builds the Lambda handler from the same queue definition and job handler a worker uses:
 *
 *   const broker = await connect(process.env.QUEUE_URL!);
 *   const emails = broker.queue('emails', { maxAttempts: 5, backoff });
 *   export const handler = createSqsLambdaHandler(emails, sendEmail);
 *
 * The event source mapping must have `FunctionResponseTypes: ["ReportBatchItemFailures"]`: the
 * handler returns `{ batchItemFailures }` and lets Lambda delete the successes. Attempts, backoff
 * (the failed record's visibility set to `backoff(attempt)`), dead-lettering with error metadata
 * (then reported as a success, so that Lambda deletes it) and undecodable records (R5) follow the
 * queue's policy exactly as in a worker: the queue hands over its driver and topology itself
 * (`platformOf`), so the handler needs nothing else and guesses nothing.
 */
export function createSqsLambdaHandler<T>(
  queue: Queue<T>,
  handler: Handler<T>,
  options: SqsLambdaOptions = {},
): SqsLambdaHandler<T> {
  const platform = platformOf(queue, SqsDriver);
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigError('concurrency must be an integer >= 1');
  const deliveryHandler = platform.createDeliveryHandler(handler, {
    ...(options.handlerTimeoutMs !== undefined ? { handlerTimeoutMs: options.handlerTimeoutMs } : {}),
    ...(options.middleware ? { middleware: options.middleware } : {}),
  });
  const context = platform.driver.context(platform.topology);
  let ready: Promise<QueueRef> | undefined;

  const run = async (source: QueueRef, record: SQSRecord): Promise<boolean> => {
    if (source.arn && record.eventSourceARN !== source.arn) {
      throw new ConfigError(
        `Record from ${record.eventSourceARN} handed to the handler of queue "${queue.name}" (${source.arn})`,
      );
    }
    const delivery = new LambdaDelivery(context, source, record);
    await deliveryHandler.handle(delivery);
    // Lambda deletes the successes once the batch returns: nothing more to credit for them.
    if (delivery.verdict === 'success') context.unstarted.forget(record.messageId);
    return delivery.verdict === 'success';
  };

  const lambdaHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    ready ??= coldStart(platform.ensureProvisioned(), context).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    const source = await ready;
    const runRecord = (record: SQSRecord) => run(source, record);
    const records = event.Records;
    let failed: SQSRecord[];
    if (context.fifo) {
      const outcome = await runInOrder(records, runRecord, options.fifoFailureScope ?? 'batch');
      await handBack(context, source, outcome.skipped);
      failed = outcome.failed;
    } else {
      failed = await runConcurrently(records, runRecord, concurrency);
    }
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  };
  return Object.assign(lambdaHandler, { events: deliveryHandler });
}

/**
 * Once per cold start: provision when the broker does (as a worker's first receive would), then
 * resolve the work and dead-letter queues, so that a missing one fails the invocation at once,
 * with `QueueNotFoundError` naming it, rather than after a job ran.
 */
async function coldStart(provisioned: Promise<void>, context: QueueContext): Promise<QueueRef> {
  await provisioned;
  const [work] = await Promise.all([context.work(), context.deadLetter()]);
  return work;
}

async function runConcurrently(
  records: readonly SQSRecord[],
  run: (record: SQSRecord) => Promise<boolean>,
  concurrency: number,
): Promise<SQSRecord[]> {
  const failed = new Set<SQSRecord>();
  let next = 0;
  const lane = async () => {
    while (next < records.length) {
      const record = records[next++]!;
      if (!(await run(record))) failed.add(record);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, records.length) }, lane));
  return records.filter((record) => failed.has(record));
}

/**
 * FIFO: one record at a time, in order; after a failure, skip what would overtake it. Failed
 * holds every record to report (the failed and the skipped); skipped, those that never ran.
 */
async function runInOrder(
  records: readonly SQSRecord[],
  run: (record: SQSRecord) => Promise<boolean>,
  scope: 'batch' | 'group',
): Promise<{ failed: SQSRecord[]; skipped: SQSRecord[] }> {
  const failed: SQSRecord[] = [];
  const skipped: SQSRecord[] = [];
  const failedGroups = new Set<string>();
  let stopped = false;
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? '';
    const skip = stopped || failedGroups.has(group);
    if (skip) skipped.push(record);
    if (skip || !(await run(record))) {
      failed.push(record);
      if (scope === 'batch') stopped = true;
      else failedGroups.add(group);
    }
  }
  return { failed, skipped };
}

/**
 * Records skipped without running: SQS counted their receive, so it is credited back (they lose
 * no attempt), and they are made visible again at once, so that they come back as soon as their
 * group may go on (not after a whole visibility timeout). A failed visibility change loses
 * nothing (the record returns when its visibility ends) and is reported.
 */
async function handBack(
  context: QueueContext,
  source: QueueRef,
  skipped: readonly SQSRecord[],
): Promise<void> {
  await Promise.all(
    skipped.map(async (record) => {
      context.unstarted.add(record.messageId);
      try {
        await context.api.changeMessageVisibility({
          QueueUrl: source.url,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        });
      } catch (error) {
        context.report('give-back', error);
      }
    }),
  );
}
