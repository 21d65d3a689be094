import { randomBytes } from 'node:crypto';
import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteProject, PSTEST_HOST, requirePstest } from '../../adapter-pubsub/test/pstest.js';
import { records, runCli } from './run-cli.js';

// pstest, one project per run, deleted at the end. Pub/Sub counts nothing without Cloud Monitoring.
await requirePstest();
const project = `pqcli-${randomBytes(4).toString('hex')}`;
const url = `pubsub://${project}?emulator_host=${PSTEST_HOST}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(url);
  await broker.queue('orders').send({ n: 1 });
});

afterAll(async () => {
  await broker?.close();
  await deleteProject(project);
});

describe('polyqueue CLI on Pub/Sub (pstest)', () => {
  it('stats shows every count as n/a, and null in JSON: a job is waiting, so 0 would be a lie', async () => {
    const run = await runCli(['stats', 'orders', '--json'], { url });
    expect(run.code).toBe(0);
    expect(records(run)[0]).toMatchObject({
      queue: 'orders',
      ready: null,
      delayed: null,
      inFlight: null,
      deadLettered: null,
    });
    const human = await runCli(['stats', 'orders'], { url });
    expect(human.stdout).toMatch(/^orders(\s+n\/a){4}$/m);
  });

  it('queues lists the queue (not its .ready, .delay or .dlq topics); an unknown queue exits 1', async () => {
    const listed = await runCli(['queues', '--json'], { url });
    expect(listed.code).toBe(0);
    expect(records(listed)).toEqual([{ queue: 'orders' }]);
    const unknown = await runCli(['stats', 'nowhere'], { url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nowhere');
  });
});
