import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';
import { records, runCli } from './run-cli.js';

// redrive --reason / --id on the shared NATS (its streams carry this run's prefix, deleted at the
// end). Choosing which dead letters move is tested on every adapter by conformance rule Q2b; the
// CLI scenario (cli-commands.ts) moves chosen ones on each broker.
const prefix = runPrefix('cliredrive');
const url = `${NATS_URL}?stream_prefix=${prefix}`;
let broker: Broker;

beforeAll(async () => {
  broker = await connect(url);
  const jobs = broker.queue('jobs', { maxAttempts: 1 });
  const worker = jobs.process(async () => {
    throw new Error('boom');
  });
  await jobs.send({ n: 1 });
  await vi.waitFor(async () => expect(await jobs.deadLetters.peek()).toHaveLength(1), { timeout: 10_000 });
  await worker.close();
});

afterAll(async () => {
  await broker?.close();
  await deleteStreams(prefix);
});

describe('polyqueue redrive --reason / --id', () => {
  it('a reason that does not exist is a usage error (exit 2) naming the reasons', async () => {
    const run = await runCli(['redrive', 'jobs', '--reason', 'boom'], { url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('failed, unrecoverable, decode, validation, exhausted');
  });

  it('an id of no dead letter moves nothing (exit 0); the reason of the letter moves it', async () => {
    const byId = await runCli(['redrive', 'jobs', '--id', 'some-id', '--json'], { url });
    expect(byId.code, byId.stderr).toBe(0);
    expect(records(byId)[0]).toEqual({ queue: 'jobs', redriven: 0 });
    expect(await broker.queue('jobs').deadLetters.peek()).toHaveLength(1);
    const byReason = await runCli(['redrive', 'jobs', '--reason', 'failed', '--json'], { url });
    expect(byReason.code, byReason.stderr).toBe(0);
    expect(records(byReason)[0]).toEqual({ queue: 'jobs', redriven: 1 });
    expect(await broker.queue('jobs').deadLetters.peek()).toHaveLength(0);
  });
});
