import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../adapter-sqs/test/emulator.js';
import { records, runCli } from './run-cli.js';

// The SQS emulator (local-aws-sqs) runs in this process; the CLI reaches it by its endpoint.
const emulator = await startEmulator('cli');
const url = `sqs://?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}&queue_prefix=${emulator.prefix}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(url);
  await broker.queue('orders').send({ n: 1 });
  await broker.queue('orders').send({ n: 2 }, { delay: 600_000 });
});

afterAll(async () => {
  await broker?.close();
  await emulator.stop();
});

describe('polyqueue CLI on SQS (local-aws-sqs)', () => {
  it('queues lists the work queue, never its dead-letter or delay queue', async () => {
    const run = await runCli(['queues', '--json'], { url });
    expect(run.code).toBe(0);
    expect(records(run)).toEqual([{ queue: 'orders' }]);
  });

  it('stats with no queue reads every listed queue', async () => {
    const run = await runCli(['stats', '--json'], { url });
    expect(run.code).toBe(0);
    expect(records(run)).toHaveLength(1);
    expect(records(run)[0]).toMatchObject({ queue: 'orders', delayed: 1, deadLettered: 0 });
  });
});
