import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from '../../../test/support/within.js';

const WORKER = fileURLToPath(new URL('./sql-fault-worker.ts', import.meta.url));
const PRODUCER = fileURLToPath(new URL('./sql-fault-producer.ts', import.meta.url));
const EXEC_ARGV = ['--import', 'tsx', '--conditions=@polyqueue/source'];
const READY_MS = 30_000;

/** What the worker processes reported: each handling (before its ack) and each error. */
export class Tally {
  readonly handled = new Map<string, number>();
  calls = 0;
  readonly backgroundErrors: string[] = [];
  readonly workerErrors: string[] = [];

  record(id: string): void {
    this.calls++;
    this.handled.set(id, (this.handled.get(id) ?? 0) + 1);
  }

  get duplicates(): number {
    return this.calls - this.handled.size;
  }
}

type ChildMessage = {
  id?: string;
  ready?: boolean;
  error?: string;
  workerError?: string;
  confirmed?: string[];
  done?: boolean;
  retried?: number;
};

function spawnChild(script: string, args: string[]): ChildProcess {
  return fork(script, args, { execArgv: EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** A worker process on `queue`; resolves once it is consuming. `calls` counts this one's handlings. */
export async function startWorker(
  url: string,
  queue: string,
  leaseMs: number,
  tally: Tally,
): Promise<{ child: ChildProcess; calls: () => number }> {
  const child = spawnChild(WORKER, [url, queue, String(leaseMs)]);
  let calls = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.ready) resolve();
      if (message.id !== undefined) {
        calls++;
        tally.record(message.id);
      }
      if (message.error !== undefined) tally.backgroundErrors.push(message.error);
      if (message.workerError !== undefined) tally.workerErrors.push(message.workerError);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`a worker process exited early (${signal ?? code})`)),
    );
  });
  await within(ready, READY_MS, 'a worker process start').catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, calls: () => calls };
}

/** A producer process sending `count` jobs; `done` resolves when it exited cleanly after the last. */
export function startProducer(
  url: string,
  queue: string,
  count: number,
  confirmed: Set<string>,
  backgroundErrors: string[],
): { child: ChildProcess; done: Promise<{ retried: number }> } {
  const child = spawnChild(PRODUCER, [url, queue, String(count)]);
  let retried: number | undefined;
  child.on('message', (message: ChildMessage) => {
    for (const id of message.confirmed ?? []) confirmed.add(id);
    if (message.error !== undefined) backgroundErrors.push(message.error);
    if (message.done) retried = message.retried ?? 0;
  });
  const done = new Promise<{ retried: number }>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      if (code === 0 && retried !== undefined) resolve({ retried });
      else reject(new Error(`a producer process failed (${signal ?? `code ${code}`}) before its last send`));
    });
  });
  return { child, done };
}

/** SIGKILL, resolved once the process is gone (bounded). */
export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await within(exited, 10_000, `the SIGKILL of process ${child.pid}`);
}

/** How many reports of each action: `connection × 4, fetch × 2`. */
export function summary(reports: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const report of reports) {
    const action = report.slice(0, report.indexOf(':'));
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  return [...counts].map(([action, n]) => `${action} × ${n}`).join(', ') || 'none';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
