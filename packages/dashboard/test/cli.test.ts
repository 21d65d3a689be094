import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from './http-client.js';
import { ensureUiBuilt } from './support/build-ui.js';

const BIN = fileURLToPath(new URL('../../cli/src/bin.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

beforeAll(ensureUiBuilt, 120_000);

describe('polyqueue dashboard', () => {
  it('serves on 127.0.0.1, prints its URL without the token, and stops on SIGINT (exit 0)', async () => {
    const token = 'cli-token-0123456789abcdef';
    const child = spawn(
      TSX,
      ['--conditions=@polyqueue/source', BIN, 'dashboard', '--port', '0', '--queue', 'emails', '--read-only'],
      { env: { ...process.env, QUEUE_URL: 'memory://', NO_COLOR: '1', POLYQUEUE_DASHBOARD_TOKEN: token } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await expect.poll(() => /http:\/\/127\.0\.0\.1:\d+\//.test(stdout), { timeout: 20_000 }).toBe(true);
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)![0];
      expect(stdout).toContain('read-only');
      expect(stdout + stderr).not.toContain(token);
      // The token came from POLYQUEUE_DASHBOARD_TOKEN: reads need it.
      expect((await call(`${url}api/queues`)).status).toBe(401);
      const queues = await call(`${url}api/queues`, { token });
      expect((queues.json as { queues: { name: string }[] }).queues.map((q) => q.name)).toEqual(['emails']);
      const purge = await call(`${url}api/queues/emails/dead-letters/purge`, {
        method: 'POST',
        body: '{}',
        token,
      });
      expect(purge.status).toBe(403);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
