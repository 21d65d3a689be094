import { randomBytes } from 'node:crypto';
import { type ConformanceHarness, runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { createSqsDriver, nativeQueueName } from '../src/index.js';
import { FakeSqs } from './fake-sqs.js';
import { capabilitiesOf } from './sqs-harness.js';

/**
 * The rules the emulator cannot run (README "Known deviations" 1 to 3), on a fake that holds a
 * FIFO group while one of its messages is in flight, counts receives only, and counts visible,
 * delayed and in-flight messages apart, as SQS documents.
 * This file registers only those rules: the whole suite runs against the emulator in
 * `conformance-standard.test.ts` and `conformance-fifo.test.ts`. Here nothing is skipped.
 */
/** By queue type: the rules the emulator's deviations 1, 2 and 3 keep from running there. */
const RULES = { fifo: /^(O1|O2|R1|R3|Q4) /, standard: /^(R1|R3|L4|Q2|Q4) / };

function fakeHarness(fifo: boolean): ConformanceHarness {
  const fake = new FakeSqs();
  const prefix = `pqf-${randomBytes(3).toString('hex')}-`;
  const options = { api: fake.api, queuePrefix: prefix, fifo, waitTimeSeconds: 0, maxNativeDelaySeconds: 1 };
  return {
    name: `sqs ${fifo ? 'FIFO' : 'standard'} (fake with SQS's documented visibility)`,
    url: `sqs://?region=us-east-1&queue_prefix=${prefix}&wait_time_seconds=0${fifo ? '&fifo=true' : ''}`,
    capabilities: capabilitiesOf(fifo),
    timeScale: 1,
    nativeBodies: 'text',
    connect: (connectOptions: { provision?: boolean } = {}) =>
      connect({ driver: createSqsDriver(options), ...connectOptions }),
    publishNative: async (_broker, queue, message) => {
      await fake.api.sendMessageBatch({
        QueueUrl: fake.urlOf(nativeQueueName(prefix, queue, fifo)),
        Entries: [
          {
            Id: '0',
            MessageBody: Buffer.from(message.body).toString('utf8'),
            ...(fifo
              ? { MessageGroupId: 'native', MessageDeduplicationId: randomBytes(8).toString('hex') }
              : {}),
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
}

for (const fifo of [true, false]) {
  const rules = fifo ? RULES.fifo : RULES.standard;
  runConformance(fakeHarness(fifo), {
    describe,
    it: (title, body, timeoutMs) => (rules.test(title) ? it(title, body, timeoutMs) : undefined),
    skip: (title, body) => (rules.test(title) ? it.skip(title, body) : undefined),
    afterAll,
  });
}
