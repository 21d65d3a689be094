import { createHash } from 'node:crypto';
import type { RedisArg, RedisClient } from './redis-client.js';

/**
 * A Lua script run by its SHA1 (EVALSHA), loaded on first use and again whenever the server
 * answers NOSCRIPT (after a restart, a failover, or SCRIPT FLUSH). Works the same on Cluster,
 * where each node keeps its own script cache.
 */
export class LuaScript {
  readonly #source: string;
  /** The SHA1 Redis knows the script by. */
  readonly sha: string;

  constructor(source: string) {
    this.#source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: Pick<RedisClient, 'call'>,
    keys: readonly string[],
    args: readonly RedisArg[],
  ): Promise<unknown> {
    const tail = [keys.length, ...keys, ...args];
    try {
      return await client.call('EVALSHA', [this.sha, ...tail]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.call('EVAL', [this.#source, ...tail]);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
