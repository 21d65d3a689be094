import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { startServerProcess } from './server-process.js';
import { tempDir } from './temp-dir.js';
import { portAnswers } from './wait-for-port.js';
import { within } from './within.js';

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

/** True while a process with this PID exists (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('the server dies with the test process, even when that is SIGKILLed (no exit hook runs)', async () => {
  const dir = tempDir('pq-server-process-test');
  const port = await freePort();
  const script = `
    import { startServerProcess } from ${JSON.stringify(fileURLToPath(new URL('./server-process.ts', import.meta.url)))};
    const server = await startServerProcess({
      name: 'tiny', command: process.execPath, args: ['-e', ${JSON.stringify(SERVER)}],
      env: { PORT: '${port}' }, dir: ${JSON.stringify(dir.path)}, port: ${port}, readyTimeoutMs: 10000,
    });
    console.log(server.pid);
    setInterval(() => {}, 1000);
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const serverPid = Number(
      await within(
        new Promise<string>((resolve) => owner.stdout.once('data', (chunk) => resolve(String(chunk)))),
        20_000,
        'the owner process starting its server',
      ),
    );
    expect(alive(serverPid)).toBe(true);
    owner.kill('SIGKILL');
    await expect.poll(() => alive(serverPid), { timeout: 10_000 }).toBe(false);
    expect(await portAnswers(port)).toBe(false);
  } finally {
    owner.kill('SIGKILL');
    dir.remove();
  }
});
