import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteEntities, RABBITMQ_URL, runPrefix } from '../../adapter-amqp/test/rabbitmq.js';
import { records, runCli } from './run-cli.js';

// The shared RabbitMQ: every queue of this run carries the prefix and is deleted at the end.
const prefix = runPrefix('cli');
const url = `${RABBITMQ_URL}?queue_prefix=${prefix}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(url);
  // Two dead letters on "jobs": maxAttempts 1 and a handler that always fails.
  const jobs = broker.queue<{ n: number }>('jobs', { maxAttempts: 1 });
  await jobs.provision();
  const worker = jobs.process(async () => {
    throw new Error('boom');
  });
  await jobs.send({ n: 1 });
  await jobs.send({ n: 2 });
  await vi.waitFor(async () => expect(await jobs.deadLetters.peek()).toHaveLength(2), { timeout: 10_000 });
  await worker.close();
});

afterAll(async () => {
  await broker?.close();
  await deleteEntities(prefix);
});

describe('polyqueue CLI on RabbitMQ', () => {
  it('peek shows each dead letter with its reason, error and attempts', async () => {
    const run = await runCli(['peek', 'jobs', '--json'], { url });
    expect(run.code).toBe(0);
    const letters = records(run);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({ record: { errorMessage: 'boom', attempts: 1, sourceQueue: 'jobs' } });
    const human = await runCli(['peek', 'jobs', '--limit', '1'], { url });
    expect(human.stdout).toContain('error       Error: boom');
  });

  it('stats shows what RabbitMQ cannot count as n/a, and as null in JSON, never 0', async () => {
    const run = await runCli(['stats', 'jobs', '--json'], { url });
    expect(run.code).toBe(0);
    const [row] = records(run);
    expect(row).toMatchObject({ queue: 'jobs', delayed: null, inFlight: null });
    expect(typeof row!.ready).toBe('number');
    expect(typeof row!.deadLettered).toBe('number');
    const human = await runCli(['stats', 'jobs'], { url });
    expect(human.stdout).toMatch(/^jobs\s+\d+\s+n\/a\s+n\/a\s+\d+$/m);
  });

  it('inspect with a wrong password exits 1 in one line: credentials refused, the password masked', async () => {
    const wrong = new URL(RABBITMQ_URL);
    wrong.password = 'not-the-password-7x';
    const run = await runCli(['inspect'], { url: wrong.href });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      'PermissionDenied: not connected, credentials refused or permission missing',
    );
    expect(run.stderr).not.toContain('not-the-password-7x');
  });

  it('queues, and stats with no queue, without management_url exit 1 in one line naming the parameter', async () => {
    for (const args of [['queues'], ['stats']]) {
      const run = await runCli(args, { url });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('management_url');
    }
  });
});
