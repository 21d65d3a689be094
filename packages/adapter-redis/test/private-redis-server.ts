import { findBrokerBinary } from '../../../test/support/broker-binary.js';
import { freePort } from '../../../test/support/free-port.js';
import { type ServerProcess, startServerProcess } from '../../../test/support/server-process.js';
import { type TempDir, tempDir } from '../../../test/support/temp-dir.js';

/** redis-server listens within milliseconds; replaying a large append-only file takes longer. */
const READY_TIMEOUT_MS = 30_000;

/**
 * A redis-server that one test alone uses: a port from the OS, a temporary directory for its
 * append-only file, signalled by its PID only (test/support/server-process). It never touches the
 * shared server on 6379. Durable as the README asks: `appendonly yes`, `appendfsync always`.
 * Always `stop()` it (afterAll/finally): that kills it and deletes its directory.
 */
export class PrivateRedisServer {
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

  /** `args`: more redis-server flags, e.g. `['--cluster-enabled', 'yes']`. */
  static async start(args: readonly string[] = []): Promise<PrivateRedisServer> {
    // Under CI=true a missing binary throws here, with the apt-get command.
    const binary = findBrokerBinary('redis-server', { aptPackage: 'redis-server' });
    if (!binary.path) throw new Error(binary.missing);
    const server = new PrivateRedisServer(binary.path, await freePort(), tempDir('pq-redis'), args);
    try {
      await server.restart();
    } catch (error) {
      server.#dir.remove();
      throw error;
    }
    return server;
  }

  /** The server's directory (a cluster node keeps its nodes.conf there). */
  get dir(): string {
    return this.#dir.path;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A crash: SIGKILL to this server's PID; resolves once it exited. */
  async kill(): Promise<void> {
    await this.#process?.kill();
    this.#process = undefined;
  }

  /** Starts it (again) on the same port and directory: it replays its append-only file. */
  async restart(): Promise<void> {
    if (this.#process)
      throw new Error(`the private redis-server (pid ${this.#process.pid}) is still running`);
    this.#process = await startServerProcess({
      name: 'redis-server',
      command: this.#binary,
      // biome-ignore format: flag and value pairs
      args: [
        '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir.path,
        '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no',
        ...this.#args,
      ],
      dir: this.#dir.path,
      port: this.port,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
  }

  /** Kills the process and deletes its directory. Safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    this.#dir.remove();
  }
}
