import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsDriver } from '@polyqueue/adapter-sqs';
import { createSqsLambdaHandler } from '@polyqueue/adapter-sqs/lambda';
import { connect, type Job } from '@polyqueue/core';
import { afterAll, expect, it } from 'vitest';
import { startEmulator } from '../../../packages/adapter-sqs/test/emulator.js';
import { lambdaEvent } from '../../../packages/adapter-sqs/test/lambda-event.js';
import { makeThumbnail, type ThumbnailJob, thumbnails } from '../src/jobs.js';

const emulator = await startEmulator('example');
afterAll(() => emulator.stop());

it('the worker and the Lambda function run the same handler on the same queue definition', async () => {
  const client = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1' });
  const broker = await connect({
    driver: createSqsDriver({ client, queuePrefix: emulator.prefix, waitTimeSeconds: 0 }),
  });
  const queue = thumbnails(broker);
  await queue.provision();
  const ran: string[] = [];
  const traced = async (job: Job<ThumbnailJob>, ctx: Parameters<typeof makeThumbnail>[1]) => {
    ran.push(job.payload.imageKey);
    await makeThumbnail(job, ctx);
  };
  // Lambda: one good record, one that fails (width 0) and is reported for a retry.
  await queue.send({ imageKey: 'a.png', width: 128 });
  await queue.send({ imageKey: 'bad.png', width: 0 });
  const handler = createSqsLambdaHandler(queue, traced);
  const event = await lambdaEvent(client, await emulator.queueUrl(`${emulator.prefix}thumbnails`), 2);
  const result = await handler(event);
  const bad = event.Records.find((r) => r.body.includes('bad.png'))!;
  expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
  // Worker: the same handler picks up a job sent to the same queue.
  await queue.send({ imageKey: 'b.png', width: 64 });
  const worker = queue.process(traced);
  const deadline = Date.now() + 10_000;
  while (!ran.includes('b.png') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await worker.close();
  await broker.close();
  expect(ran).toContain('a.png');
  expect(ran).toContain('b.png');
});
