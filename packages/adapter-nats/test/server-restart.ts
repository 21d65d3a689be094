import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NATS_HOST } from './nats-server.js';

const run = promisify(execFile);

/** Exactly how the environment (and scripts/services.sh) starts the server: same flags, same data dir. */
const START = [
  '--start',
  '--oknodo',
  '--background',
  '--exec',
  '/usr/sbin/nats-server',
  '--',
  '-a',
  '127.0.0.1',
  '-p',
  '4222',
  '-js',
  '-sd',
  '/var/lib/nats-server',
  '-l',
  '/var/log/nats-server.log',
];

/**
 * The pids of the nats-server serving port 4222, found by executable and arguments in /proc: it
 * may have been started without a pid file, so there is no other way to know it.
 */
export function natsServerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) !== '/usr/sbin/nats-server') continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const port = args[args.indexOf('-p') + 1] ?? args[args.indexOf('--port') + 1];
      if (port === '4222' || !args.some((arg) => arg === '-p' || arg === '--port')) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Kills the server like a crash (SIGKILL) and waits until its processes are gone. */
export async function killNatsServer(): Promise<number[]> {
  const pids = natsServerPids();
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && natsServerPids().length > 0; i++) await sleep(50);
  if (natsServerPids().length > 0) throw new Error(`nats-server ${pids.join(',')} did not exit`);
  return pids;
}

export async function startNatsServer(): Promise<void> {
  await run('start-stop-daemon', START);
}

/** True when the server answers and JetStream serves API requests. */
export async function jetStreamReady(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_HOST, timeout: 1_000, reconnect: false });
    try {
      await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
      return true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** Makes sure nats-server runs on 4222 with JetStream, starting it if needed; throws if it cannot. */
export async function ensureNatsServer(timeoutMs = 20_000): Promise<void> {
  if (await jetStreamReady()) return;
  if (natsServerPids().length === 0) await startNatsServer();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await jetStreamReady()) return;
    await sleep(200);
  }
  throw new Error(
    `nats-server with JetStream did not come back on ${NATS_HOST}; run scripts/services.sh up nats`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
