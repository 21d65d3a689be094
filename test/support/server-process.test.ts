import { expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { startServerProcess } from './server-process.js';
import { tempDir } from './temp-dir.js';
import { portAnswers } from './wait-for-port.js';

/** A tiny server: listens on PORT; with TRAP_TERM it ignores SIGTERM (so only SIGKILL stops it). */
const SERVER = `
const net = require('node:net');
if (process.env.TRAP_TERM) process.on('SIGTERM', () => {});
net.createServer((s) => s.end()).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function start(env: Record<string, string> = {}) {
  const dir = tempDir('pq-server-process-test');
  const port = await freePort();
  const server = await startServerProcess({
    name: 'tiny',
    command: process.execPath,
    args: ['-e', SERVER],
    env: { PORT: String(port), ...env },
    dir: dir.path,
    port,
    readyTimeoutMs: 10_000,
  });
  return { server, port, dir };
}

it('starts a server, waits for its port, and stops it by PID with SIGTERM', async () => {
  const { server, port, dir } = await start();
  try {
    expect(await portAnswers(port)).toBe(true);
    await server.stop();
    expect(await server.exited).toBe('SIGTERM');
    expect(await portAnswers(port)).toBe(false);
  } finally {
    await server.kill();
    dir.remove();
  }
});

it('stop falls back to SIGKILL when SIGTERM is ignored', async () => {
  const { server, dir } = await start({ TRAP_TERM: '1' });
  try {
    await server.stop(200);
    expect(await server.exited).toBe('SIGKILL');
  } finally {
    dir.remove();
  }
});

it('kill: SIGKILL by PID', async () => {
  const { server, dir } = await start();
  try {
    await server.kill();
    expect(await server.exited).toBe('SIGKILL');
  } finally {
    dir.remove();
  }
});

it('a server that exits before its port answers fails the start with its output', async () => {
  const dir = tempDir('pq-server-process-test');
  try {
    await expect(
      startServerProcess({
        name: 'broken',
        command: process.execPath,
        args: ['-e', 'console.error("no config"); process.exit(3)'],
        dir: dir.path,
        port: await freePort(),
        readyTimeoutMs: 10_000,
      }),
    ).rejects.toThrow(/exited \(code 3\)[\s\S]*no config/);
  } finally {
    dir.remove();
  }
});
