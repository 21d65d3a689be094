import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, ServerProcess } from './private-process.js';

export interface PrivateNatsOptions {
  /** Lines of a nats-server config file (e.g. `max_payload: 65536`). */
  readonly config?: readonly string[];
  /** Extra command-line flags (e.g. `--user`, `u`, `--pass`, `p`). */
  readonly args?: readonly string[];
}

/**
 * A nats-server with JetStream that this test alone uses: a port from the OS, a temporary store
 * directory, found and killed by its PID only. It never touches the shared server on 4222.
 * Always call `stop()` (in afterAll/finally): it kills the process and deletes the directory.
 */
export class PrivateNatsServer {
  readonly port: number;
  readonly dir: string;
  readonly #args: readonly string[];
  #process: ServerProcess | undefined;

  private constructor(port: number, dir: string, args: readonly string[]) {
    this.port = port;
    this.dir = dir;
    this.#args = args;
  }

  static async start(options: PrivateNatsOptions = {}): Promise<PrivateNatsServer> {
    const dir = await mkdtemp(join(tmpdir(), 'pq-nats-'));
    const port = await freePort();
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store')];
    if (options.config) {
      const file = join(dir, 'nats.conf');
      await writeFile(file, `${options.config.join('\n')}\n`);
      args.push('-c', file);
    }
    args.push(...(options.args ?? []));
    const server = new PrivateNatsServer(port, dir, args);
    try {
      await server.restart();
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** A crash: SIGKILL to this server's PID; resolves once it exited. */
  async kill(): Promise<void> {
    await this.#process?.kill();
    this.#process = undefined;
  }

  /** Starts it (again) on the same port and store directory; resolves once it serves. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error('the private nats-server is still running');
    const binary = requireBinary('nats-server', 'apt-get install nats-server');
    this.#process = await ServerProcess.start(binary, this.#args, /Server is ready/);
  }

  /** Kills the process and deletes its store. Safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
