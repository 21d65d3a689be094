import { runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { NATIVE_INSERT, NATIVE_TAKE, nativeMessage, sqlJobRow } from './native-rows.js';
import { dropSchema, POSTGRES_URL, rawPool, runSchema } from './postgres-server.js';

// Every table of this run lives in one schema, dropped at the end.
const schema = runSchema('conf');
const url = `${POSTGRES_URL}?schema=${schema}`;
const jobs = `"${schema}".jobs`;
const now = '(floor(extract(epoch from clock_timestamp()) * 1000)::bigint)';
const p = (n: number) => `$${n}`;

const raw = await rawPool(); // an unreachable server fails here, loudly (never a skip)
const probe = await connect(url); // postgres:// resolves through core's known adapters
const { capabilities } = probe;
await probe.close();

runConformance(
  {
    name: 'postgres (PostgreSQL 15)',
    url,
    capabilities,
    invalidParameter: { name: 'poll_interval', value: '0ms' },
    timeScale: 1,
    connect: (options = {}) => connect(url, options),
    nativeTypes: { client: pg.Pool, message: sqlJobRow },
    backgroundFault: {
      action: 'connection',
      perQueue: false,
      // The LISTEN connection of this run's schema killed by the server: its loss is reported, and
      // the listener comes back after the error backoff.
      inject: async () => {
        // The worker's first receive opens the LISTEN connection: wait for it (bounded), then kill it.
        for (let tries = 0; tries < 200; tries += 1) {
          const { rows } = await raw.query(
            `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = $1`,
            [`LISTEN "polyqueue:${schema}"`],
          );
          if (rows.some((row) => row.killed === true)) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error('no LISTEN connection to terminate within 10 s');
      },
    },
    publishNative: async (_broker, queue, message) => {
      await raw.query(NATIVE_INSERT(jobs, p), [
        queue,
        Buffer.from(message.body),
        JSON.stringify(message.headers),
      ]);
    },
    consumeNative: async (_broker, queue) => {
      const { rows } = await raw.query(NATIVE_TAKE(jobs, now, p), [queue]);
      return rows[0] === undefined ? undefined : nativeMessage(rows[0]);
    },
  },
  { describe, it, skip: it.skip, afterAll },
);

afterAll(async () => {
  await dropSchema(raw, schema);
  await raw.end();
}, 60_000);
