import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { connect } from '@polyqueue/core';
import { rawUnaryPull } from './dist/suites/pubsub/raw-clients.js';
import { endToEnd } from './dist/streaming.js';
import { summarize, events } from './_trace.mjs';
process.env.METADATA_SERVER_DETECTION ??= 'none';
const project = `e2e-${randomBytes(4).toString('hex')}`; const host = '127.0.0.1:8085';
const pubsub = new PubSub({ projectId: project, apiEndpoint: host });
const broker = await connect(`pubsub://${project}?emulator_host=${host}`);
const C = 64;
const fresh = async (l) => { const n = `e-${l}-${randomBytes(3).toString('hex')}`; await broker.queue(n, { leaseMs: 60000 }).provision(); return n; };
function pqCase(name) { const q = broker.queue(name, { leaseMs: 60000 });
  return { async send(b) { const r = await q.sendBatch(b.map((p) => ({ payload: p }))); if (!r.every((x) => x.ok)) throw new Error('send'); },
    consume(onJob) { const w = q.process(async (j) => { onJob(j.payload); }, { concurrency: C, prefetch: C }); return { close: () => w.close() }; } }; }
async function run(label, mk) { const name = await fresh(label); events.length = 0; const cpu = process.cpuUsage();
  const r = await endToEnd(mk(name), { jobs: 20000, batchSize: 1000, backlog: 5000 }); const u = process.cpuUsage(cpu);
  console.log(label, (20000 / r.seconds).toFixed(0), 'jobs/s', ((u.user + u.system) / 20000).toFixed(1), 'us/job cpu'); summarize(label); }
await run('warm', (n) => rawUnaryPull(pubsub, n, 128)); await run('warm', pqCase);
for (let i = 0; i < 3; i++) { await run('raw', (n) => rawUnaryPull(pubsub, n, 128)); await run('pq', pqCase); }
await broker.close(); await pubsub.close();
