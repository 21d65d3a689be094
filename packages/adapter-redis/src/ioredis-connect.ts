import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ConnectionSettings, RedisSettings } from './redis-options.js';

/** XAUTOCLAIM, which reclaims expired leases, came with Redis 6.2. */
const MIN_VERSION = [6, 2] as const;

export class RedisVersionError extends Error {
  override readonly name = 'RedisVersionError';
}

/**
 * Connects an ioredis client for the URL's settings and checks the server can serve polyqueue.
 * A client that cannot connect is disconnected before the error is thrown: ioredis would
 * otherwise keep retrying behind the caller's back.
 */
export async function connectIoredis(
  connection: ConnectionSettings,
  settings: RedisSettings,
): Promise<Redis | Cluster> {
  const common: RedisOptions = {
    ...(connection.username !== undefined ? { username: connection.username } : {}),
    ...(connection.password !== undefined ? { password: connection.password } : {}),
    ...(connection.tls ? { tls: {} } : {}),
    connectionName: 'polyqueue',
    commandTimeout: settings.commandTimeoutMs,
    // No enableAutoPipelining: ioredis 5.11 throws from a timer (uncaught) on `callBuffer`
    // commands it auto-pipelines. Acks are batched by the receiver instead.
    lazyConnect: true,
  };
  const [first] = connection.hosts;
  let client: Redis | Cluster;
  if (connection.mode === 'cluster') {
    client = new Cluster([...connection.hosts], { redisOptions: common, lazyConnect: true });
  } else if (connection.mode === 'sentinel') {
    client = new Redis({
      ...common,
      sentinels: [...connection.hosts],
      name: connection.sentinelName!,
      db: connection.db,
    });
  } else {
    client = new Redis({ ...common, host: first!.host, port: first!.port, db: connection.db });
  }
  // Until the driver's own listener takes over, a failed connect is reported by connect()'s
  // rejection; without a listener ioredis would also print it as an "Unhandled error event".
  const duringConnect = () => undefined;
  client.on('error', duringConnect);
  try {
    await client.connect();
    await checkVersion(client);
    return client;
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    client.off('error', duringConnect);
  }
}

async function checkVersion(client: Redis | Cluster): Promise<void> {
  const info = String(await client.call('INFO', 'server'));
  const version = /redis_version:(\d+)\.(\d+)/.exec(info);
  if (version === null) return; // a Redis-compatible server that does not say: let it try
  const [major, minor] = [Number(version[1]), Number(version[2])];
  if (major > MIN_VERSION[0] || (major === MIN_VERSION[0] && minor >= MIN_VERSION[1])) return;
  throw new RedisVersionError(
    `polyqueue needs Redis ${MIN_VERSION.join('.')} or later (XAUTOCLAIM); the server runs ${major}.${minor}`,
  );
}
