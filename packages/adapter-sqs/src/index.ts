/**
 * @polyqueue/adapter-sqs: AWS SQS (standard and FIFO) for polyqueue.
 *
 *   const broker = await connect('sqs://?region=eu-west-1');
 *   const broker = await connect({ driver: createSqsDriver({ client: mySqsClient, fifo: true }) });
 *
 * The Lambda handler is a separate entry point: `@polyqueue/adapter-sqs/lambda`.
 */
export { adapter, createSqsDriver, PARAMETERS, type SqsDriverOptions } from './sqs-adapter.js';
export { type SqsApi, sdkApi } from './sqs-api.js';
export { SqsDriver } from './sqs-driver.js';
export { SqsBatchEntryError, sqsErrorCode } from './sqs-errors.js';
export { nativeDelayQueueName, nativeQueueName } from './sqs-names.js';
