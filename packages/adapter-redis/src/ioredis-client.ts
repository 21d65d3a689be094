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
  readonly #onError = (error: unknown) => {
    for (const listener of this.#listeners) listener(error);
  };
  /** The longest BLOCK a read may ask for, below the client's command timeout. */
  readonly maxBlockMs: number;

  constructor(client: Redis | Cluster, options: { readonly owned: boolean }) {
    this.#client = client;
    this.#owned = options.owned;
    client.on('error', this.#onError);
    const timeout =
      client instanceof Cluster ? client.options.redisOptions?.commandTimeout : client.options.commandTimeout;
    this.maxBlockMs = timeout ? Math.max(1, Math.min(MAX_BLOCK_MS, Math.floor(timeout / 2))) : MAX_BLOCK_MS;
  }

  call(command: string, args: readonly RedisArg[]): Promise<unknown> {
    return this.#client.callBuffer(command, [...args]).catch(withoutArguments);
  }

  blocking(): BlockingConnection {
    const connection = this.#client.duplicate();
    connection.on('error', this.#onError);
    this.#blockers.add(connection);
    return {
      call: (command, args) => connection.callBuffer(command, [...args]).catch(withoutArguments),
      close: () => {
        this.#blockers.delete(connection);
        connection.disconnect();
      },
    };
  }

  onError(listener: (error: unknown) => void): void {
    this.#listeners.add(listener);
  }

  native(): unknown {
    return this.#client;
  }

  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    for (const connection of this.#blockers) connection.disconnect();
    this.#blockers.clear();
    this.#client.off('error', this.#onError);
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
