import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';

// The progress bar of `polyqueue move` in a real terminal, through tmux on its own socket (as
// cli-tty.test.ts): one node process with tsx as a loader, so Ctrl-C reaches the CLI itself.
// Source and target are the shared NATS under two prefixes of this run, deleted at the end.
const exec = promisify(execFile);
const socket = `pq-move-${randomBytes(3).toString('hex')}`;
const tmux = (...args: string[]) => exec('tmux', ['-L', socket, ...args]);
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const sourcePrefix = runPrefix('movettya');
const targetPrefix = runPrefix('movettyb');
const from = `${NATS_URL}?stream_prefix=${sourcePrefix}`;
const to = `${NATS_URL}?stream_prefix=${targetPrefix}`;
const JOBS = 300;
let source: Broker;
let target: Broker;

beforeAll(async () => {
  source = await connect(from);
  target = await connect(to);
  await target.queue('tty').provision();
  await source.queue('tty').sendBatch(Array.from({ length: JOBS }, (_, n) => ({ payload: { n } })));
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await Promise.all([source?.close(), target?.close()]);
  await Promise.all([deleteStreams(sourcePrefix), deleteStreams(targetPrefix)]);
});

describe('polyqueue move in a terminal', () => {
  it('draws a progress bar with count, total, rate and ETA; Ctrl-C stops it (exit 130) and hands back', async () => {
    // The shell traps Ctrl-C (a trap, unlike an ignore, is not inherited) so it lives on to print EXIT.
    const command = `trap : INT; NO_COLOR=1 node --import tsx --conditions=@polyqueue/source ${BIN} move tty --from '${from}' --to '${to}' --rate 20/s; echo EXIT=$?; sleep 60`;
    await tmux('new-session', '-d', '-s', 'move', '-x', '120', '-y', '30', command);
    const screen = async () => (await tmux('capture-pane', '-p', '-t', 'move')).stdout;

    await vi.waitFor(
      async () => expect(await screen()).toMatch(/moving \[[^\]]+\] [1-9]\d*\/300 \| \d+\/s \| ETA \d+s/),
      { timeout: 20_000 },
    );
    await tmux('send-keys', '-t', 'move', 'C-c');
    await vi.waitFor(async () => expect(await screen()).toContain('EXIT=130'), { timeout: 15_000 });
    const text = await screen();
    const moved = Number(/moved (\d+) job\(s\) of tty: stopped/.exec(text)?.[1]);
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(JOBS);
    // Redrawn in place: one bar line on the screen, not one per update.
    expect(text.match(/moving \[/g)).toHaveLength(1);
    // Handed back: nothing of the source held by the stopped move; moved + left = all.
    await vi.waitFor(
      async () =>
        expect(await source.queue('tty').stats()).toMatchObject({ ready: JOBS - moved, inFlight: 0 }),
      { timeout: 10_000 },
    );
    expect(await target.queue('tty').stats()).toMatchObject({ ready: moved });
  });
});
