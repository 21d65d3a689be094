import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage, QueueTopology } from '@polyqueue/core/driver';
import { createPostgresDriver, createSqliteDriver, type SqlDriver, type SqlSettings } from '../src/index.js';
import { dropSchema, rawPool, runSchema } from './postgres-server.js';

/** One driver per dialect, on this run's own schema or temp file; `cleanup` removes them. */
export interface DialectUnderTest {
  readonly name: 'postgres' | 'sqlite';
  /** PostgreSQL: this run's schema. */
  readonly schema?: string;
  driver(settings?: Partial<SqlSettings>): Promise<SqlDriver>;
  cleanup(): Promise<void>;
}

export async function postgresUnderTest(label: string): Promise<DialectUnderTest> {
  const pool = await rawPool(); // unreachable: fails loudly, never a skip
  const schema = runSchema(label);
  const drivers: SqlDriver[] = [];
  return {
    name: 'postgres',
    schema,
    async driver(settings) {
      const driver = createPostgresDriver({ pool, schema, ...(settings ? { settings } : {}) });
      drivers.push(driver);
      return driver;
    },
    async cleanup() {
      for (const driver of drivers) await driver.close('graceful');
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
}

export async function sqliteUnderTest(label: string): Promise<DialectUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), `pq-sqlite-${label}-`));
  const drivers: SqlDriver[] = [];
  return {
    name: 'sqlite',
    async driver(settings) {
      const driver = await createSqliteDriver({
        path: join(dir, 'jobs.db'),
        ...(settings ? { settings } : {}),
      });
      drivers.push(driver);
      return driver;
    },
    async cleanup() {
      for (const driver of drivers) await driver.close('graceful');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export function topology(label: string, leaseMs = 1_000): QueueTopology {
  counter += 1;
  const name = `t-${label}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  return { name, deadLetterName: `${name}.dlq`, leaseMs, maxAttempts: 5 };
}

export function message(id: string, extra: { dedupId?: string; notBefore?: number } = {}): OutgoingMessage {
  return {
    body: new TextEncoder().encode(JSON.stringify({ id })),
    attributes: {},
    meta: { id, attemptOffset: 0, enqueuedAt: Date.now(), ...extra },
  };
}
