import { createSqsLambdaHandler } from '@polyqueue/adapter-sqs/lambda';
import { connectBroker, makeThumbnail, thumbnails } from './jobs.js';

/**
 * The same handler in AWS Lambda. The SQS event source mapping needs
 * `FunctionResponseTypes: ["ReportBatchItemFailures"]`; the queue's visibility timeout should be
 * at least 6x the function timeout (AWS's advice). Connect with `provision: false` in production
 * if the queues are created by your infrastructure code.
 */
const broker = await connectBroker();
export const handler = createSqsLambdaHandler(thumbnails(broker), makeThumbnail);
