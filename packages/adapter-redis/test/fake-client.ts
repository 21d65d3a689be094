import type { LuaScript } from '../src/lua-script.js';
import * as scripts from '../src/lua-scripts.js';
import type { BlockingConnection, RedisArg, RedisClient } from '../src/redis-client.js';

/** One command the fake saw; scripts are named by their export in lua-scripts.ts. */
export interface SeenCall {
  readonly command: string;
  readonly script?: string;
  readonly keys: readonly string[];
  readonly args: readonly RedisArg[];
  readonly blocking: boolean;
}

const SCRIPT_NAMES = new Map<string, string>(
  Object.entries(scripts).map(([name, script]) => [(script as LuaScript).sha, name]),
);

/**
 * A narrow in-process fake of the RedisClient: it records each command and answers with what
 * the test's `reply` returns (or throws). Scripts arrive as EVALSHA and are named for the test.
 */
export class FakeRedisClient implements RedisClient {
  readonly calls: SeenCall[] = [];
  reply: (call: SeenCall) => unknown = () => null;
  #listeners: ((error: unknown) => void)[] = [];

  async call(command: string, args: readonly RedisArg[]): Promise<unknown> {
    return this.#answer(command, args, false);
  }

  blocking(): BlockingConnection {
    return { call: async (command, args) => this.#answer(command, args, true), close: () => undefined };
  }

  /** Answered by `reply` as one SCAN call whose args are the pattern and page size. */
  async scan(pattern: string, pageSize: number): Promise<string[]> {
    return (await this.#answer('SCAN', [pattern, pageSize], false)) as string[];
  }

  onError(listener: (error: unknown) => void): void {
    this.#listeners.push(listener);
  }

  emitError(error: unknown): void {
    for (const listener of this.#listeners) listener(error);
  }

  native(): unknown {
    return this;
  }

  async close(): Promise<void> {}

  #answer(command: string, args: readonly RedisArg[], blocking: boolean): unknown {
    let call: SeenCall;
    if (command === 'EVALSHA') {
      const count = Number(args[1]);
      call = {
        command,
        script: SCRIPT_NAMES.get(String(args[0])) ?? 'unknown',
        keys: args.slice(2, 2 + count).map(String),
        args: args.slice(2 + count),
        blocking,
      };
    } else call = { command, keys: [], args, blocking };
    this.calls.push(call);
    return this.reply(call);
  }
}
