import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PgExecutor } from '../src/pg-executor.js';
import type { PgPool, PgPoolClient } from '../src/pg-pool.js';

/** A pooled connection: records its queries and whether it was destroyed. */
class FakeClient extends EventEmitter {
  readonly queries: string[] = [];
  released: boolean | undefined;
  async query(text: string): Promise<{ rows: unknown[] }> {
    this.queries.push(text);
    return { rows: [] };
  }
  release(destroy?: boolean): void {
    this.released = destroy ?? false;
  }
}

function fakePool() {
  const clients: FakeClient[] = [];
  const pool: PgPool = {
    async query() {
      return { rows: [] };
    },
    async connect() {
      const client = new FakeClient();
      clients.push(client);
      return client as unknown as PgPoolClient;
    },
    on() {
      return pool;
    },
    async end() {},
  };
  return { pool, clients };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await sleep(10);
  expect(condition()).toBe(true);
}

describe('PgExecutor LISTEN connection (fake pool)', () => {
  it('delivers notifications, reports a lost connection, re-opens it and wakes everyone, lets it go with the last listener', async () => {
    const { pool, clients } = fakePool();
    const executor = new PgExecutor(pool, { owned: false, channel: 'polyqueue:s' });
    const errors: unknown[] = [];
    executor.onError((error) => errors.push(error));
    const heard: string[] = [];
    const stop = executor.listen((queue) => heard.push(queue));
    await until(() => clients[0]?.queries.includes('LISTEN "polyqueue:s"') === true);

    clients[0]!.emit('notification', { payload: 'emails' });
    expect(heard).toEqual(['emails']);

    const lost = new Error('terminating connection due to administrator command');
    clients[0]!.emit('error', lost);
    await until(() => errors.length > 0);
    expect(errors).toEqual([lost]);
    expect(clients[0]!.released).toBe(true); // destroyed, never back to the pool
    await until(() => clients[1]?.queries.includes('LISTEN "polyqueue:s"') === true); // after the backoff
    expect(heard).toEqual(['emails', '']); // a notification may have been missed: wake everyone

    stop();
    await until(() => clients[1]!.released === true);
    await executor.close('graceful');
    expect(clients).toHaveLength(2);
  });
});
