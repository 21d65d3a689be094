import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forgetOnExit, onExit } from './cleanup.js';
import { waitForPort } from './wait-for-port.js';

/**
 * A server process a test starts and owns: its output in a log file of its directory, ready when
 * its port answers. It is only ever signalled by its own PID, never found by name. It is killed
 * when the test stops it, at process exit if the test did not, and by its guardian
 * (server-guardian.mjs) if the test process dies without an exit hook (SIGKILL, Ctrl-C).
 */
export interface ServerProcessOptions {
  /** Short name for messages and the log file. */
  name: string;
  command: string;
  args?: string[];
  /** Added to the test process's environment. */
  env?: Record<string, string>;
  /** The server's own directory (working directory and log file). */
  dir: string;
  /** Loopback port that answers once the server is ready. */
  port: number;
  /** Bound on the wait for the port. */
  readyTimeoutMs: number;
}

export interface ServerProcess {
  readonly pid: number;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now (a crash, as far as the server's data is concerned); resolves once it has exited. */
  kill(): Promise<void>;
  /** The process's output so far (for failure messages). */
  output(): string;
}

/** How long a process may take to disappear once SIGKILLed (or after the SIGTERM grace). */
const EXIT_WAIT_MS = 10_000;

const GUARDIAN = fileURLToPath(new URL('./server-guardian.mjs', import.meta.url));

type GuardianMessage = { pid: number } | { exit: string } | { error: string };

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const logPath = join(options.dir, `${options.name}.out.log`);
  const log = openSync(logPath, 'a');
  let guardian: ChildProcess;
  try {
    // The server runs under a guardian that kills it if this process dies without stopping it.
    // detached: their own process group, so a Ctrl-C meant for the test runner does not stop
    // the server behind the test's back (the guardian does, once the runner is gone).
    guardian = spawn(process.execPath, [GUARDIAN, options.command, ...(options.args ?? [])], {
      cwd: options.dir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', log, log, 'ipc'],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const groupId = guardian.pid;
  if (groupId === undefined) {
    const error = await new Promise<Error>((resolve) => guardian.once('error', resolve));
    throw new Error(`could not start the guardian of ${options.name}: ${error.message}`);
  }

  let exitedAs: string | undefined;
  let settleExit!: (how: string) => void;
  const exited = new Promise<string>((resolve) => {
    settleExit = (how) => {
      if (exitedAs !== undefined) return;
      exitedAs = how;
      forgetOnExit(killAtExit);
      resolve(how);
    };
  });
  const killAtExit = () => {
    try {
      process.kill(-groupId, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  };
  onExit(killAtExit);

  const pid = await new Promise<number>((resolve, reject) => {
    guardian.on('message', (message: GuardianMessage) => {
      if ('pid' in message) resolve(message.pid);
      else if ('exit' in message) settleExit(message.exit);
      else reject(new Error(`could not start ${options.name} (${options.command}): ${message.error}`));
    });
    guardian.once('exit', (code, signal) => {
      settleExit(`guardian exited (${signal ?? `code ${code}`})`);
      reject(new Error(`the guardian of ${options.name} exited before it started the server`));
    });
  });

  const signal = (name: NodeJS.Signals) => {
    if (exitedAs !== undefined) return;
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  const output = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const waitExit = async (what: string, boundMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${options.name} (pid ${pid}) did not exit within ${boundMs} ms of ${what}`)),
        boundMs,
      );
    });
    try {
      await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const server: ServerProcess = {
    pid,
    exited,
    async stop(graceMs = 30_000) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      try {
        await waitExit('SIGTERM', graceMs + EXIT_WAIT_MS);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      signal('SIGKILL');
      await waitExit('SIGKILL', EXIT_WAIT_MS);
    },
    output,
  };

  try {
    await waitForPort(options.port, {
      timeoutMs: options.readyTimeoutMs,
      stillStarting: () =>
        exitedAs === undefined
          ? undefined
          : new Error(`${options.name} exited (${exitedAs}) before it answered:\n${output().slice(-2_000)}`),
    });
  } catch (error) {
    await server.kill().catch(() => undefined);
    throw new Error(`${options.name} did not start: ${(error as Error).message}\n${output().slice(-2_000)}`, {
      cause: error,
    });
  }
  // Once started, the test runner must not wait for a server it forgot: the exit hook kills it.
  guardian.unref();
  guardian.channel?.unref();
  return server;
}
