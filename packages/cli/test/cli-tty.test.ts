import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';

// A real terminal through tmux (its own socket, so no other tmux session is touched). One node
// process with tsx as a loader, not the tsx runner: the runner's relay would stand between Ctrl-C
// and the CLI.
const exec = promisify(execFile);
const socket = `pq-cli-${randomBytes(3).toString('hex')}`;
const tmux = (...args: string[]) => exec('tmux', ['-L', socket, ...args]);
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const prefix = runPrefix('clitty');
const url = `${NATS_URL}?stream_prefix=${prefix}`;
let broker: Broker;

/** Starts `polyqueue args` in a fresh tmux window; returns a reader of the screen. */
async function terminal(name: string, args: string): Promise<() => Promise<string>> {
  // The shell traps Ctrl-C (a trap, unlike an ignore, is not inherited) so it lives on to print EXIT.
  const command = `trap : INT; QUEUE_URL='${url}' NO_COLOR=1 node --import tsx --conditions=@polyqueue/source ${BIN} ${args}; echo EXIT=$?; sleep 60`;
  await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', command);
  return async () => (await tmux('capture-pane', '-p', '-t', name)).stdout;
}

beforeAll(async () => {
  broker = await connect(url);
  const queue = broker.queue('tty', { maxAttempts: 1 });
  const worker = queue.process(async () => {
    throw new Error('boom');
  });
  await queue.send({ n: 1 });
  await vi.waitFor(async () => expect(await queue.deadLetters.peek()).toHaveLength(1), { timeout: 10_000 });
  await worker.close();
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await broker?.close();
  await deleteStreams(prefix);
});

describe('polyqueue CLI in a terminal', () => {
  it('purge asks first; "n" cancels and deletes nothing, "y" deletes', async () => {
    const no = await terminal('no', 'purge tty');
    await vi.waitFor(async () => expect(await no()).toContain('Delete every dead letter of tty?'), {
      timeout: 15_000,
    });
    await tmux('send-keys', '-t', 'no', 'n', 'Enter');
    await vi.waitFor(async () => expect(await no()).toContain('EXIT=0'), { timeout: 15_000 });
    expect(await no()).toContain('purge cancelled');
    expect(await broker.queue('tty').deadLetters.peek()).toHaveLength(1);

    const yes = await terminal('yes', 'purge tty');
    await vi.waitFor(async () => expect(await yes()).toContain('Delete every dead letter of tty?'), {
      timeout: 15_000,
    });
    await tmux('send-keys', '-t', 'yes', 'y', 'Enter');
    await vi.waitFor(async () => expect(await yes()).toContain('EXIT=0'), { timeout: 15_000 });
    expect(await yes()).toContain('purged 1 dead letter(s) of tty');
  });

  it('stats --watch redraws the table in place until Ctrl-C', async () => {
    const screen = await terminal('watch', 'stats tty --watch --interval 200ms');
    await vi.waitFor(async () => expect(await screen()).toMatch(/^tty\s+0\s+0\s+0\s+0/m), {
      timeout: 15_000,
    });
    await broker.queue('tty').send({ n: 2 });
    await vi.waitFor(async () => expect(await screen()).toMatch(/^tty\s+1\s+0\s+0\s+0/m), {
      timeout: 15_000,
    });
    // Redrawn, not appended: the header is on the screen once.
    expect((await screen()).match(/deadLettered/g)).toHaveLength(1);
    await tmux('send-keys', '-t', 'watch', 'C-c');
    // Ends on Ctrl-C: 130 (killed by SIGINT, log-update's cursor restorer re-raises it) or 0.
    await vi.waitFor(async () => expect(await screen()).toMatch(/EXIT=(0|130)/), { timeout: 15_000 });
  });
});
