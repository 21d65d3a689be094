import { Cluster, type Redis } from 'ioredis';
import type { BlockingConnection, RedisArg, RedisClient } from './redis-client.js';

/** How long one blocking read waits at most; shorter when the client's own command timeout is short. */
const MAX_BLOCK_MS = 1_000;

/**
 * The RedisClient on ioredis: a `Redis` (one server, or a Sentinel-managed master) or a
 * `Cluster`. Every receiver gets a duplicate connection for its blocking reads. A client the
 * application passed in stays open on close (it is the application's); the duplicates made
 * from it are closed.
 */
export class IoredisClient implements RedisClient {
  readonly #client: Redis | Cluster;
  readonly #owned: boolean;
  readonly #listeners = new Set<(error: unknown) => void>();
  readonly #blockers = new Set<Redis | Cluster>();
  readonly #unwatch: () => void;
  /** The longest BLOCK a read may ask for, below the client's command timeout. */
  readonly maxBlockMs: number;

  constructor(client: Redis | Cluster, options: { readonly owned: boolean }) {
    this.#client = client;
    this.#owned = options.owned;
    this.#unwatch = this.#watch(client);
    const timeout =
      client instanceof Cluster ? client.options.redisOptions?.commandTimeout : client.options.commandTimeout;
    this.maxBlockMs = timeout ? Math.max(1, Math.min(MAX_BLOCK_MS, Math.floor(timeout / 2))) : MAX_BLOCK_MS;
  }

  call(command: string, args: readonly RedisArg[]): Promise<unknown> {
    return this.#client.callBuffer(command, [...args]).catch(withoutArguments);
  }

  /**
   * A read blocks at most `maxBlockMs`; its connection's command timeout is a second above that,
   * so that while Redis is unreachable a read fails within about a second (and a closing worker's
   * receive ends) rather than after the shared connection's longer timeout.
   */
  blocking(): BlockingConnection {
    const commandTimeout = this.maxBlockMs + 1_000;
    const client = this.#client;
    const connection =
      client instanceof Cluster
        ? client.duplicate([], { redisOptions: { ...client.options.redisOptions, commandTimeout } })
        : client.duplicate({ commandTimeout });
    this.#watch(connection);
    this.#blockers.add(connection);
    return {
      call: (command, args) => connection.callBuffer(command, [...args]).catch(withoutArguments),
      close: () => {
        this.#blockers.delete(connection);
        connection.disconnect();
      },
    };
  }

  async scan(pattern: string, pageSize: number): Promise<string[]> {
    const client = this.#client;
    const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
    const found = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', pageSize);
        for (const key of keys) found.add(key);
        cursor = next;
      } while (cursor !== '0');
    }
    return [...found];
  }

  onError(listener: (error: unknown) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Reports the first error of each outage of a connection: ioredis emits one per reconnect
   * attempt (several a second), which would bury the one that says what happened. Every command
   * that fails meanwhile still rejects to its caller. Returns the function that stops watching.
   */
  #watch(connection: Redis | Cluster): () => void {
    let reported = false;
    const onError = (error: unknown) => {
      if (reported) return;
      reported = true;
      for (const listener of this.#listeners) listener(error);
    };
    const onReady = () => {
      reported = false;
    };
    connection.on('error', onError);
    connection.on('ready', onReady);
    return () => {
      connection.off('error', onError);
      connection.off('ready', onReady);
    };
  }

  native(): unknown {
    return this.#client;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    for (const connection of this.#blockers) connection.disconnect();
    this.#blockers.clear();
    this.#unwatch();
    if (!this.#owned) return;
    if (mode === 'abandon') {
      this.#client.disconnect();
      return;
    }
    // QUIT waits for the replies still due; a dead connection has none to wait for.
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}

/**
 * ioredis hangs the failed command on its ReplyError (`error.command.args`): job bodies,
 * attributes and a script's source, megabytes of them for a batch, which would then be logged
 * and inspected wherever the error goes. Only the command's name is kept.
 */
function withoutArguments(error: unknown): never {
  if (typeof error === 'object' && error !== null && 'command' in error) {
    const command = (error as { command?: { name?: unknown } }).command;
    (error as { command?: unknown }).command = { name: command?.name };
  }
  throw error;
}
