import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../../test/support/free-port.js';
import { type ServerProcess, startServerProcess } from '../../../test/support/server-process.js';
import { type TempDir, tempDir } from '../../../test/support/temp-dir.js';

const BIN = '/usr/lib/postgresql/15/bin';
/** After a SIGKILL the next start replays the WAL before it accepts queries. */
const READY_TIMEOUT_MS = 60_000;

/**
 * A PostgreSQL cluster that one test alone uses: initdb in a temp directory, a port from the OS, a
 * unix-socket directory of its own, trust auth, listening on 127.0.0.1 only. The postmaster runs
 * under test/support's guardian and is signalled by its PID only; the shared cluster on 5432 is
 * never touched. initdb and postgres refuse to run as root, so as root both run as the `postgres`
 * OS user (setpriv execs, so the PID we hold is the postmaster's own). Always `stop()` it.
 */
export class PrivatePostgresServer {
  readonly port: number;
  readonly #dir: TempDir;
  #process: ServerProcess | undefined;

  private constructor(port: number, dir: TempDir) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(): Promise<PrivatePostgresServer> {
    const server = new PrivatePostgresServer(await freePort(), tempDir('pq-postgres'));
    try {
      server.#initdb();
      await server.restart();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Superuser `postgres`, database `postgres`; add `?schema=...` and other parameters. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get #data(): string {
    return join(this.#dir.path, 'data');
  }

  #initdb(): void {
    const sockets = join(this.#dir.path, 'sockets');
    mkdirSync(sockets);
    if (asRoot()) {
      const { uid, gid } = postgresUser();
      chownSync(this.#dir.path, uid, gid);
      chownSync(sockets, uid, gid);
    }
    // --no-sync: the initial files only; the server itself runs with fsync on, as in production.
    // biome-ignore format: flag and value pairs
    const [command, args] = asPostgres(`${BIN}/initdb`, [
      '-D', this.#data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync',
    ]);
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0)
      throw new Error(`initdb failed (${result.status ?? result.signal}): ${result.stderr || result.error}`);
  }

  /**
   * A crash of the whole server: SIGKILL to the postmaster, then to each of its children (a
   * backend busy in a query would otherwise keep running, and holding the shared memory, until it
   * next notices the postmaster is gone). Resolves once the postmaster has exited.
   */
  async kill(): Promise<void> {
    const running = this.#process;
    if (!running) return;
    const children = childrenOf(running.pid);
    await running.kill();
    this.#process = undefined;
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Starts it (again) on the same port and data directory; resolves once it answers a query. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error(`the private postgres (pid ${this.#process.pid}) is still running`);
    // biome-ignore format: flag and value pairs
    const [command, args] = asPostgres(`${BIN}/postgres`, [
      '-D', this.#data, '-p', String(this.port), '-k', join(this.#dir.path, 'sockets'),
      '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=100',
    ]);
    this.#process = await startServerProcess({
      name: 'postgres',
      command,
      args,
      dir: this.#dir.path,
      port: this.port,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    await this.#untilItAnswers();
  }

  /** The port opens before recovery ends ("the database system is starting up"). */
  async #untilItAnswers(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined); // the query below reports the failure
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`the private postgres did not answer within ${READY_TIMEOUT_MS} ms: ${error}`, {
            cause: error,
          });
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }

  /** Kills the server and deletes its directory. Safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    this.#dir.remove();
  }
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error(`running as root (${userInfo().username}) and there is no postgres OS user`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** As root: setpriv execs the command as `postgres` (no fork, unlike runuser, so PIDs stay ours). */
function asPostgres(command: string, args: string[]): [string, string[]] {
  if (!asRoot()) return [command, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]];
}

/** The PIDs whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}
