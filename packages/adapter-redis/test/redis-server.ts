import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the suites run against (scripts/services.sh up redis). Database 0 is shared. */
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;

/** A key prefix no other run uses: every key of this run starts with it (then `:`). */
export function runPrefix(label: string): string {
  return `pqt-${label}-${randomBytes(3).toString('hex')}`;
}

/** A plain client, as a native producer or consumer would open; fails loudly when Redis is absent. */
export async function rawClient(port = REDIS_PORT): Promise<Redis> {
  const client = new Redis({ host: REDIS_HOST, port, lazyConnect: true, maxRetriesPerRequest: 3 });
  client.on('error', () => undefined); // each command reports its own failure
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is not reachable at ${REDIS_HOST}:${port} (${String(error)}). Start it: scripts/services.sh up redis`,
      { cause: error },
    );
  }
}

/** Deletes every key that starts with `${prefix}:` (SCAN, never FLUSHDB: the database is shared). */
export async function deleteKeys(prefix: string, port = REDIS_PORT): Promise<number> {
  const client = await rawClient(port);
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
