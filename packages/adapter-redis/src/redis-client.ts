/** One argument of a Redis command: binary-safe. */
export type RedisArg = string | Buffer | number;

/**
 * The narrow interface between the driver and the Redis client: raw commands only, so that unit
 * tests run on an in-process fake and the mapping lives in the driver, not in a client wrapper.
 * Bulk replies come back as Buffers (bodies are bytes), integers as numbers, errors as rejections
 * carrying the server's error text (e.g. `NOGROUP ...`).
 */
export interface RedisClient {
  /** Sends one command on the shared connection. May be called concurrently. */
  call(command: string, args: readonly RedisArg[]): Promise<unknown>;
  /**
   * A connection of its own for one receiver's blocking reads (XREADGROUP BLOCK), which would
   * otherwise hold up every other command on the shared connection.
   */
  blocking(): BlockingConnection;
  /**
   * Every key matching the glob `pattern`, by SCAN (on every master of a Cluster): a page of
   * about `pageSize` keys per round trip, never one KEYS that blocks the server.
   */
  scan(pattern: string, pageSize: number): Promise<string[]>;
  /** Errors of the connection itself (a refused reconnect, a TLS failure): no command awaits them. */
  onError(listener: (error: unknown) => void): void;
  /** The native client (the escape hatch): an ioredis `Redis` or `Cluster`. */
  native(): unknown;
  /**
   * graceful: wait for replies still due, then disconnect. abandon: drop the sockets now.
   * A client the application gave stays open either way: it is the application's.
   */
  close(mode: 'graceful' | 'abandon'): Promise<void>;
}

export interface BlockingConnection {
  call(command: string, args: readonly RedisArg[]): Promise<unknown>;
  /** Drops the connection now: a read it was blocked in ends with an error, which the caller ignores. */
  close(): void;
}
