import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { connect } from '@polyqueue/core';
import { rawUnaryPull, rawStreamingPull } from './dist/suites/pubsub/raw-clients.js';
import { endToEnd } from './dist/streaming.js';
import { summarize, events } from './_trace.mjs';
process.env.METADATA_SERVER_DETECTION ??= 'none';
const project = `e2e-${randomBytes(4).toString('hex')}`; const host = '127.0.0.1:8085';
const pubsub = new PubSub({ projectId: project, apiEndpoint: host });
const broker = await connect(`pubsub://${project}?emulator_host=${host}`);
const C = 64;
const fresh = async (l) => { const n = `e-${l}-${randomBytes(3).toString('hex')}`; await broker.queue(n, { leaseMs: 60000 }).provision(); return n; };
function pqCase(name, prefetch = C) { const q = broker.queue(name, { leaseMs: 60000 });
  return { async send(b) { const r = await q.sendBatch(b.map((p) => ({ payload: p }))); if (!r.every((x) => x.ok)) throw new Error('send'); },
    consume(onJob) { const w = q.process(async (j) => { onJob(j.payload); }, { concurrency: C, prefetch }); return { close: () => w.close() }; } }; }
async function run(label, mk) { const name = await fresh(label); events.length = 0; const cpu = process.cpuUsage(); globalThis.gc?.();
  const r = await endToEnd(mk(name), { jobs: 20000, batchSize: 1000, backlog: 5000 }); const u = process.cpuUsage(cpu);
  console.log(label, (20000 / r.seconds).toFixed(0), 'jobs/s', ((u.user + u.system) / 20000).toFixed(1), 'us/job cpu', 'rss', (process.memoryUsage.rss() / 2 ** 20).toFixed(0)); if (process.env.TRACE) summarize(label); }
const cases = { streaming: (n) => rawStreamingPull(pubsub, n, 128), unary: (n) => rawUnaryPull(pubsub, n, 128), pq: (n) => pqCase(n), wide: (n) => pqCase(n, 3 * C) };
if (!process.env.STREAM) delete cases.streaming;
const names = Object.keys(cases);
for (let i = 0; i < 3; i++) for (const n of i % 2 === 0 ? names : [...names].reverse()) await run(n, cases[n]);
await broker.close(); await pubsub.close();
