import { randomBytes } from 'node:crypto';
import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { createSqsDriver, nativeQueueName } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';
import { capabilitiesOf } from './sqs-harness.js';

/**
 * The rules the emulator cannot run (README "Known deviations" 1 and 2), on a fake that holds a
 * FIFO group while one of its messages is in flight and counts receives only, as SQS documents.
 * This file registers only those rules: the whole suite runs against the emulator in
 * `conformance-fifo.test.ts`. Here nothing is skipped.
 */
const RULES = /^(O1|O2|R1|R3) /;
const fake = new FakeSqs();
const prefix = `pqf-${randomBytes(3).toString('hex')}-`;
const options = {
  api: fake.api,
  queuePrefix: prefix,
  fifo: true,
  waitTimeSeconds: 0,
  maxNativeDelaySeconds: 1,
};
const harness: ConformanceHarness = {
  name: 'sqs FIFO (fake holding groups as SQS does)',
  url: `sqs://?region=us-east-1&queue_prefix=${prefix}&wait_time_seconds=0&fifo=true`,
  capabilities: capabilitiesOf(true),
  timeScale: 1,
  nativeBodies: 'text',
  connect: (connectOptions: { provision?: boolean } = {}) =>
    connect({ driver: createSqsDriver(options), ...connectOptions }),
  publishNative: async (_broker, queue, message) => {
    await fake.api.sendMessageBatch({
      QueueUrl: fake.urlOf(nativeQueueName(prefix, queue, true)),
      Entries: [
        {
          Id: '0',
          MessageBody: Buffer.from(message.body).toString('utf8'),
          MessageGroupId: 'native',
          MessageDeduplicationId: randomBytes(8).toString('hex'),
          MessageAttributes: Object.fromEntries(
            Object.entries(message.headers).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        },
      ],
    });
  },
  consumeNative: async () => undefined,
};

runConformance(harness, {
  describe,
  it: (title, body, timeoutMs) => (RULES.test(title) ? it(title, body, timeoutMs) : undefined),
  skip: (title, body) => (RULES.test(title) ? it.skip(title, body) : undefined),
  afterAll,
});
