import type { AdapterModule } from '@polyqueue/core/driver';
import type { Cluster, Redis } from 'ioredis';
import { IoredisClient } from './ioredis-client.js';
import { connectIoredis } from './ioredis-connect.js';
import { RedisDriver } from './redis-driver.js';
import { redisErrorCode } from './redis-errors.js';
import { DEFAULT_SETTINGS, type RedisSettings, settingsFromUrl, URL_PARAMETERS } from './redis-options.js';

export type { BlockingConnection, RedisArg, RedisClient } from './redis-client.js';
export type { RedisDeadLetterMessage } from './redis-dead-letters.js';
export type { RedisMessage } from './redis-delivery.js';
export { RedisDriver } from './redis-driver.js';
export { RedisReservedFieldError } from './redis-errors.js';
export { type QueueKeys, queueKeys, WORKER_GROUP } from './redis-names.js';
export { DEFAULT_SETTINGS, type RedisSettings } from './redis-options.js';

/**
 * A driver on an ioredis client the application already has (`Redis`, Sentinel-backed `Redis`,
 * or `Cluster`). It stays the application's: closing the broker leaves it open. Each worker reads
 * on a duplicate of it (`client.duplicate()`), which the driver closes.
 * `connect({ driver: createRedisDriver({ client: redis }) })`.
 */
export function createRedisDriver(options: {
  readonly client: Redis | Cluster;
  readonly settings?: Partial<RedisSettings>;
}): RedisDriver {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const client = new IoredisClient(options.client, { owned: false });
  return new RedisDriver({ client, settings, maxBlockMs: client.maxBlockMs });
}

/**
 * `redis://[user:password@]host[:port][/db][?key_prefix=pq&...]`, `rediss://` for TLS; Sentinel
 * with `sentinel_name`, Cluster with `cluster=true`. See README "URL".
 */
export const adapter: AdapterModule = {
  schemes: ['redis', 'rediss'],
  parameters: URL_PARAMETERS,
  errorCode: redisErrorCode,
  async createDriver({ url, params, redacted, clock }) {
    const { settings, connection } = settingsFromUrl(url, params, redacted);
    const native = await connectIoredis(connection, settings);
    const client = new IoredisClient(native, { owned: true });
    return new RedisDriver({
      client,
      settings,
      maxBlockMs: client.maxBlockMs,
      ...(clock !== undefined ? { clock } : {}),
    });
  },
};
