import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * Generic pieces for tests that run a broker of their own (issue 11 §3): a free port from the OS,
 * a server process known by its PID and only by it, stopped at the end even when the test failed.
 * Nothing here is NATS-specific; it is meant to move to the root test/support/ once that exists.
 */

/** A TCP port the OS reports free on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The absolute path of `name` on PATH (or the usual sbin dirs), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The binary's path; a test that needs a missing one fails, saying how to install it. */
export function requireBinary(name: string, install: string): string {
  const path = findBinary(name);
  if (path === undefined)
    throw new Error(
      `${name} is not installed; this test starts a private instance of it. Install it: ${install}`,
    );
  return path;
}

/** Every process this module started and has not seen exit: killed if the test process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** How much of a server's output is kept for error messages. */
const OUTPUT_TAIL = 8_192;

/**
 * One server process, started by this test and addressed only by its PID. `ready` tells when
 * its output says it serves. `kill()` is a crash (SIGKILL); the process is always awaited.
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output = '';
  #exitCode: number | null | undefined;

  private constructor(binary: string, args: readonly string[]) {
    installExitHook();
    this.#child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.#child);
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        this.#exitCode = code;
        live.delete(this.#child);
        resolve();
      });
      // A spawn failure (ENOENT...) emits 'error' and may never emit 'exit'.
      this.#child.once('error', (error) => {
        this.#output += `\n${String(error)}`;
        this.#exitCode = -1;
        live.delete(this.#child);
        resolve();
      });
    });
  }

  /**
   * Spawns `binary args` and waits until its output matches `readyLine`, at most `timeoutMs`.
   * Throws with the server's output if it exits or does not get ready in time (and kills it).
   */
  static async start(
    binary: string,
    args: readonly string[],
    readyLine: RegExp,
    timeoutMs = 15_000,
  ): Promise<ServerProcess> {
    const server = new ServerProcess(binary, args);
    const deadline = Date.now() + timeoutMs;
    while (!readyLine.test(server.#output)) {
      if (server.#exitCode !== undefined)
        throw new Error(`${binary} exited (${server.#exitCode}) before it was ready:\n${server.#output}`);
      if (Date.now() > deadline) {
        await server.kill();
        throw new Error(`${binary} was not ready after ${timeoutMs} ms:\n${server.#output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return server;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get output(): string {
    return this.#output;
  }

  /** SIGKILL to this PID only; resolves once it exited. */
  async kill(): Promise<void> {
    if (this.#exitCode === undefined) this.#child.kill('SIGKILL');
    await this.#exited;
  }
}
