import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBrokerBinary } from '../../../test/support/broker-binary.js';
import { freePort } from '../../../test/support/free-port.js';
import { type ServerProcess, startServerProcess } from '../../../test/support/server-process.js';
import { type TempDir, tempDir } from '../../../test/support/temp-dir.js';

export interface PrivateNatsOptions {
  /** Lines of a nats-server config file (e.g. `max_payload: 65536`). */
  readonly config?: readonly string[];
  /** Extra command-line flags (e.g. `--user`, `u`, `--pass`, `p`). */
  readonly args?: readonly string[];
}

/** nats-server with JetStream is listening within a second on an idle machine; this allows a loaded one. */
const READY_TIMEOUT_MS = 30_000;

/**
 * A nats-server with JetStream that one test alone uses: a port from the OS, a temporary store
 * directory, signalled by its PID only (test/support/server-process). It never touches the shared
 * server on 4222. Always `stop()` it (afterAll/finally): that kills it and deletes its directory;
 * the process exit hook does the same if a test forgot.
 */
export class PrivateNatsServer {
  readonly port: number;
  readonly #binary: string;
  readonly #dir: TempDir;
  readonly #args: readonly string[];
  #process: ServerProcess | undefined;

  private constructor(binary: string, port: number, dir: TempDir, args: readonly string[]) {
    this.#binary = binary;
    this.port = port;
    this.#dir = dir;
    this.#args = args;
  }

  static async start(options: PrivateNatsOptions = {}): Promise<PrivateNatsServer> {
    // Under CI=true a missing binary throws here, with the apt-get command.
    const binary = findBrokerBinary('nats-server', { aptPackage: 'nats-server' });
    if (!binary.path) throw new Error(binary.missing);
    const dir = tempDir('pq-nats');
    const port = await freePort();
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir.path, 'store')];
    if (options.config) {
      const file = join(dir.path, 'nats.conf');
      writeFileSync(file, `${options.config.join('\n')}\n`);
      // Flags after -c override the file, so port and store stay this test's own.
      args.unshift('-c', file);
    }
    args.push(...(options.args ?? []));
    const server = new PrivateNatsServer(binary.path, port, dir, args);
    try {
      await server.restart();
    } catch (error) {
      dir.remove();
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

  /** Starts it (again) on the same port and store directory; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error(`the private nats-server (pid ${this.#process.pid}) is still running`);
    this.#process = await startServerProcess({
      name: 'nats-server',
      command: this.#binary,
      args: [...this.#args],
      dir: this.#dir.path,
      port: this.port,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  }

  /** Kills the process and deletes its store. Safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    this.#dir.remove();
  }
}
