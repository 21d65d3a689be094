import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import Database from 'better-sqlite3';
import { afterAll, describe, it } from 'vitest';
import { NATIVE_INSERT, NATIVE_TAKE, nativeMessage, sqlJobRow } from './native-rows.js';

// One file in a temp directory, removed at the end.
const dir = mkdtempSync(join(tmpdir(), 'pq-sqlite-conf-'));
const file = join(dir, 'jobs.db');
const url = `sqlite://${file}`;
const now = `(CAST(unixepoch('subsec') * 1000 AS INTEGER))`;

const probe = await connect(url);
const { capabilities } = probe;
await probe.close();

/** A native client of its own on the file, as another program would open it. */
const raw = new Database(file);
raw.pragma('busy_timeout = 5000');

runConformance(
  {
    name: 'sqlite (better-sqlite3 12, WAL)',
    url,
    capabilities,
    invalidParameter: { name: 'poll_interval', value: '0ms' },
    timeScale: 1,
    connect: (options = {}) => connect(url, options),
    nativeTypes: { client: Database, message: sqlJobRow },
    // No background work: no LISTEN connection, no forwarder; receivers fetch on their own.
    backgroundFault: 'none',
    publishNative: async (_broker, queue, message) => {
      raw
        .prepare(NATIVE_INSERT('pq_jobs', () => '?'))
        .run(queue, Buffer.from(message.body), JSON.stringify(message.headers));
    },
    consumeNative: async (_broker, queue) => {
      const row = raw.prepare(NATIVE_TAKE('pq_jobs', now, () => '?')).get(queue) as
        | { body: Buffer; headers: string }
        | undefined;
      return row === undefined ? undefined : nativeMessage(row);
    },
  },
  { describe, it, skip: it.skip, afterAll },
);

afterAll(() => {
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});
