import { type Broker, connect, UnrecoverableError } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { records, runCli } from './run-cli.js';

/** One broker the CLI scenario runs against: a URL per prefix, and cleanup of what that prefix made. */
export interface CliTarget {
  readonly name: string;
  /** The adapter name `inspect` prints. */
  readonly adapter: string;
  /** A URL whose queues all carry `prefix`; two prefixes never share a queue. */
  url(prefix: string): string;
  /** Deletes every queue made under `prefix`; called in afterAll even when a test failed. */
  cleanup(prefix: string): Promise<unknown>;
  /** A URL to the same kind of broker on a closed loopback port. */
  readonly unreachableUrl: string;
}

const WAIT = { timeout: 10_000 };

/** Every CLI command against the spawned binary, on one broker, with its bad input. */
export function describeCliCommands(target: CliTarget, prefix: string, movePrefix: string): void {
  const url = target.url(prefix);
  let broker: Broker;

  beforeAll(async () => {
    broker = await connect(url);
    // One dead letter on "jobs": maxAttempts 1 and a handler that always fails.
    const jobs = broker.queue<{ n: number }>('jobs', { maxAttempts: 1 });
    await jobs.provision();
    await broker.queue('inbox').provision();
    await broker.queue('moving').provision();
    const worker = jobs.process(async () => {
      throw new Error('boom');
    });
    await jobs.send({ n: 1 });
    await jobs.send({ n: 2 });
    await vi.waitFor(async () => expect(await jobs.deadLetters.peek()).toHaveLength(2), WAIT);
    await worker.close();
  }, 30_000);

  afterAll(async () => {
    await broker?.close();
    await Promise.allSettled([target.cleanup(prefix), target.cleanup(movePrefix)]);
  }, 30_000);

  describe(`polyqueue CLI commands on ${target.name}`, () => {
    it('inspect names the adapter and exits 0, the password masked', async () => {
      const run = await runCli(['inspect', '--json'], { url });
      expect(run.code).toBe(0);
      expect(records(run)[0]).toMatchObject({ adapter: target.adapter, connected: true });
      // Where the URL carries a password, it is masked.
      const { password } = new URL(url);
      if (password !== '') expect(run.stdout + run.stderr).not.toContain(`:${password}@`);
    });

    it('stats prints null in JSON exactly where capabilities.stats lacks the count', async () => {
      const run = await runCli(['stats', 'jobs', '--json'], { url });
      expect(run.code).toBe(0);
      const [row] = records(run);
      const counted = new Set<string>(broker.capabilities.stats);
      for (const field of ['ready', 'delayed', 'inFlight', 'deadLettered']) {
        if (counted.has(field)) expect(typeof row![field]).toBe('number');
        else expect(row![field]).toBeNull();
      }
    });

    it('queues lists "jobs" where the adapter lists queues', async () => {
      const run = await runCli(['queues', '--json'], { url });
      if (!broker.capabilities.listQueues) {
        expect(run.code).toBe(1);
        return;
      }
      expect(run.code).toBe(0);
      expect(records(run)).toContainEqual({ queue: 'jobs' });
    });

    it('peek shows each dead letter with its error and attempts', async () => {
      const run = await runCli(['peek', 'jobs', '--json'], { url });
      expect(run.code).toBe(0);
      const letters = records(run);
      expect(letters).toHaveLength(2);
      expect(letters[0]).toMatchObject({
        record: { errorMessage: 'boom', attempts: 1, sourceQueue: 'jobs' },
      });
    });

    it('redrive --reason / --id move only the chosen dead letters, the others stay', async () => {
      // A queue of its own, so that "jobs" keeps its two letters for the cases below.
      const chosen = broker.queue<{ n: number }>('chosen', { maxAttempts: 1 });
      const worker = chosen.process(async (job) => {
        throw job.payload.n === 1 ? new UnrecoverableError('no') : new Error('boom');
      });
      const unrecoverable = await chosen.send({ n: 1 });
      const failed = await chosen.send({ n: 2 });
      await vi.waitFor(async () => expect(await chosen.deadLetters.peek()).toHaveLength(2), WAIT);
      await worker.close();
      const left = async () => (await chosen.deadLetters.peek()).map((letter) => letter.id);
      const byReason = await runCli(['redrive', 'chosen', '--reason', 'unrecoverable', '--json'], { url });
      expect(byReason.code, byReason.stderr).toBe(0);
      expect(records(byReason)[0]).toEqual({ queue: 'chosen', redriven: 1 });
      await vi.waitFor(async () => expect(await left()).toEqual([failed]), WAIT);
      const byOtherId = await runCli(['redrive', 'chosen', '--id', unrecoverable, '--json'], { url });
      expect(records(byOtherId)[0]).toEqual({ queue: 'chosen', redriven: 0 });
      await vi.waitFor(async () => expect(await left()).toEqual([failed]), WAIT);
      const byId = await runCli(['redrive', 'chosen', '--id', failed, '--json'], { url });
      expect(records(byId)[0]).toEqual({ queue: 'chosen', redriven: 1 });
      await vi.waitFor(async () => expect(await left()).toEqual([]), WAIT);
    });

    it('purge without --yes in a pipe exits 2 and deletes nothing', async () => {
      const run = await runCli(['purge', 'jobs'], { url });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--yes');
      expect(await broker.queue('jobs').deadLetters.peek()).toHaveLength(2);
    });

    it('redrive --limit 1 moves one, then purge --yes deletes the other', async () => {
      const redriven = await runCli(['redrive', 'jobs', '--limit', '1', '--json'], { url });
      expect(redriven.code).toBe(0);
      expect(records(redriven)[0]).toEqual({ queue: 'jobs', redriven: 1 });
      const purged = await runCli(['purge', 'jobs', '--yes', '--json'], { url });
      expect(purged.code).toBe(0);
      expect(records(purged)[0]).toEqual({ queue: 'jobs', purged: 1 });
    });

    it('send takes JSON from stdin with --attr, --delay and --dedup-id where supported; a worker receives it', async () => {
      const dedup = broker.capabilities.dedup === false ? [] : ['--dedup-id', `d-${prefix}`];
      const run = await runCli(
        ['send', 'inbox', '-', '--attr', 'tenant=acme', '--delay', '500ms', ...dedup, '--json'],
        { url, stdin: '{"n":7}' },
      );
      expect(run.code, run.stderr).toBe(0);
      const { id } = records(run)[0] as { id: string };
      const argRun = await runCli(['send', 'inbox', '{"n":8}', '--json'], { url });
      expect(argRun.code).toBe(0);
      const seen = new Map<string, { payload: unknown; tenant: string | undefined }>();
      const worker = broker.queue('inbox').process(async (job) => {
        seen.set(job.id, { payload: job.payload, tenant: job.attributes.tenant });
      });
      try {
        await vi.waitFor(() => expect(seen.size).toBe(2), WAIT);
      } finally {
        await worker.close();
      }
      expect(seen.get(id)).toEqual({ payload: { n: 7 }, tenant: 'acme' });
    });

    it('move --limit 1 moves one job between two prefixes of the same broker', async () => {
      const source = broker.queue('moving');
      await source.send({ n: 1 });
      await source.send({ n: 2 });
      const other = await connect(target.url(movePrefix));
      try {
        await other.queue('moving').provision();
        const run = await runCli(
          ['move', 'moving', '--from', url, '--to', target.url(movePrefix), '--limit', '1', '--json'],
          {},
        );
        expect(run.code, run.stderr).toBe(0);
        const got: unknown[] = [];
        const worker = other.queue('moving').process(async (job) => {
          got.push(job.payload);
        });
        try {
          await vi.waitFor(() => expect(got).toHaveLength(1), WAIT);
        } finally {
          await worker.close();
        }
      } finally {
        await other.close();
      }
    });

    it('an unknown queue exits 1 in one line naming it', async () => {
      const run = await runCli(['peek', 'no-such-queue'], { url });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('no-such-queue');
    });

    it('an unreachable broker: stats exits 1 in one line', async () => {
      const run = await runCli(['stats', 'jobs'], { url: target.unreachableUrl });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      // A line to read: an SDK's message listing every retry's error is cut (--verbose has it all).
      expect(run.stderr.length).toBeLessThan(500);
    });

    it('an unreachable broker: inspect exits 1 in one line, never "connected"', async () => {
      // SQS and Pub/Sub clients connect lazily: connect() alone would succeed here.
      const run = await runCli(['inspect'], { url: target.unreachableUrl });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('Unavailable: not connected, unreachable');
      expect(run.stdout).not.toContain('connected');
    });

    it('bad JSON and a bad --delay exit 2, refused before any broker is contacted', async () => {
      // The URL points nowhere: a contact would fail with exit 1, not 2.
      const json = await runCli(['send', 'jobs', '{oops'], { url: target.unreachableUrl });
      expect(json.code).toBe(2);
      expect(json.stderr).toContain('not valid JSON');
      const delay = await runCli(['send', 'jobs', '{}', '--delay', '10 minutes'], {
        url: target.unreachableUrl,
      });
      expect(delay.code).toBe(2);
      expect(delay.stderr).toContain('--delay');
    });
  });
}
