/**
 * `@polyqueue/adapter-sqs/lambda`: run a queue's job handler in AWS Lambda, fed by an SQS event
 * source mapping with `ReportBatchItemFailures`.
 */
export { LambdaDelivery } from './lambda-delivery.js';
export {
  createSqsLambdaHandler,
  type SqsLambdaHandler,
  type SqsLambdaOptions,
} from './sqs-lambda-handler.js';
