import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';
import { records, runCli } from './run-cli.js';

const prefix = runPrefix('cli');
const url = `${NATS_URL}?stream_prefix=${prefix}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(url);
  await broker.queue('orders').provision();
});

afterAll(async () => {
  await broker?.close();
  await deleteStreams(prefix);
});

describe('polyqueue CLI on NATS', () => {
  it('stats counts a job sent by send, ready and delayed apart', async () => {
    expect((await runCli(['send', 'orders', '{"id":1}'], { url })).code).toBe(0);
    expect((await runCli(['send', 'orders', '{"id":2}', '--delay', '1h'], { url })).code).toBe(0);
    const run = await runCli(['stats', 'orders', '--json'], { url });
    expect(run.code).toBe(0);
    expect(records(run)[0]).toMatchObject({ queue: 'orders', ready: 1, delayed: 1, deadLettered: 0 });
    const human = await runCli(['stats', 'orders'], { url });
    expect(human.stdout).toMatch(/^orders\s+1\s+1\s+0\s+0$/m);
  });

  it('queues lists the provisioned queue, and stats with no queue reads every listed one', async () => {
    const listed = await runCli(['queues', '--json'], { url });
    expect(listed.code).toBe(0);
    expect(records(listed)).toEqual([{ queue: 'orders' }]);
    expect((await runCli(['queues'], { url })).stdout).toBe('orders\n');
    const all = await runCli(['stats', '--json'], { url });
    expect(all.code).toBe(0);
    expect(records(all).map((row) => row.queue)).toEqual(['orders']);
  });
});

describe('polyqueue CLI, bad input', () => {
  it('an unreachable broker: inspect exits 1 in one line, the password masked', async () => {
    const run = await runCli(['inspect'], { url: 'nats://ops:hunter2secret@127.0.0.1:1' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout + run.stderr).not.toContain('hunter2secret');
  });

  it('with --verbose, the one error line comes first, then the stack and its cause', async () => {
    const run = await runCli(['--verbose', 'inspect'], { url: 'nats://ops:hunter2secret@127.0.0.1:1' });
    expect(run.code).toBe(1);
    const [first, ...rest] = run.stderr.trim().split('\n');
    expect(first).toMatch(/^error Unavailable: not connected, unreachable: nats: could not connect/);
    expect(rest.join('\n')).toMatch(/\n\s+at /);
    expect(rest.join('\n')).toContain('[cause]');
    expect(run.stderr).not.toContain('hunter2secret');
  });

  it('no URL and an unknown option are usage errors (exit 2)', async () => {
    expect((await runCli(['inspect'])).code).toBe(2);
    expect((await runCli(['inspect', '--nope'], { url })).code).toBe(2);
  });
});
