import { Redis } from 'ioredis';

/** The Redis the redis and bullmq suites use: the local one (scripts/services.sh up redis). */
export const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** Why a suite that needs the local Redis cannot run (a PING fails, no retry), or undefined when it can. */
export async function localRedisUnavailable(): Promise<string | undefined> {
  const redis = new Redis({
    ...LOCAL_REDIS,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch {
    return `Redis is not running on ${LOCAL_REDIS.host}:${LOCAL_REDIS.port}: start it with scripts/services.sh up redis`;
  } finally {
    redis.disconnect();
  }
}
