import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forgetOnExit, onExit } from './cleanup.js';
import { waitForPort } from './wait-for-port.js';

/**
 * A server process a test starts and owns: spawned in its own process group, its output in a log
 * file of its directory, ready when its port answers. It is only ever signalled by its own PID
 * (group), never found by name, and killed at process exit if the test did not stop it.
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

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const logPath = join(options.dir, `${options.name}.out.log`);
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // detached: its own process group, so a signal reaches wrapper scripts and their children,
    // and a Ctrl-C meant for the test runner does not stop it behind the test's back.
    child = spawn(options.command, options.args ?? [], {
      cwd: options.dir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  // The test runner must not wait for a server it forgot: the exit hook below kills it instead.
  child.unref();
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`could not start ${options.name} (${options.command}): ${error.message}`);
  }

  let exitedAs: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedAs = signal ?? `code ${code}`;
      forgetOnExit(killAtExit);
      resolve(exitedAs);
    });
  });
  const signal = (name: NodeJS.Signals) => {
    if (exitedAs !== undefined) return;
    try {
      process.kill(-pid, name);
    } catch {
      // the group is already gone
    }
  };
  const killAtExit = () => signal('SIGKILL');
  onExit(killAtExit);

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
  return server;
}
