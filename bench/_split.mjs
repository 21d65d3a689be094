// scratch: split Pub/Sub end to end into send-only and process-only, pq vs raw, with Node CPU
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { connect } from '@polyqueue/core';
import { rawUnaryPull } from './dist/suites/pubsub/raw-clients.js';
import { payload } from './dist/workload.js';
import { counts } from './_count.mjs';
process.env.METADATA_SERVER_DETECTION ??= 'none';
const project = `split-${randomBytes(4).toString('hex')}`;
const host = '127.0.0.1:8085';
const pubsub = new PubSub({ projectId: project, apiEndpoint: host });
const broker = await connect(`pubsub://${project}?emulator_host=${host}`);
const JOBS = Number(process.env.JOBS ?? 20000), C = 64;
const fresh = async (l) => { const n = `s-${l}-${randomBytes(3).toString('hex')}`; await broker.queue(n, { leaseMs: 60000 }).provision(); return n; };
function pqCase(name) {
  const q = broker.queue(name, { leaseMs: 60000 });
  return {
    async send(b) { const r = await q.sendBatch(b.map((p) => ({ payload: p }))); if (!r.every((x) => x.ok)) throw new Error('send'); },
    consume(onJob) { const w = q.process(async (j) => { onJob(j.payload); }, { concurrency: C, prefetch: C }); return { close: () => w.close() }; },
  };
}
async function measure(label, mk) {
  const name = await fresh(label); const c = mk(name);
  let cpu = process.cpuUsage(); let t = performance.now();
  for (let s = 0; s < JOBS; s += 1000) { const items = []; for (let i = 0; i < 1000; i++) items.push(payload(s + i)); await c.send(items); }
  const sendMs = performance.now() - t; const sendCpu = process.cpuUsage(cpu);
  let handled = 0; let done; const p = new Promise((r) => (done = r));
  cpu = process.cpuUsage(); t = performance.now();
  const cons = c.consume(() => { if (++handled === JOBS) done(); });
  await p; const procMs = performance.now() - t; const procCpu = process.cpuUsage(cpu);
  await cons.close();
  const us = (u) => ((u.user + u.system) / JOBS).toFixed(1);
  console.log(JSON.stringify(counts)); for (const k in counts) counts[k] = 0;
  console.log(`${label.padEnd(4)} send ${(JOBS / sendMs * 1000).toFixed(0)}/s cpu ${us(sendCpu)}us/job | process ${(JOBS / procMs * 1000).toFixed(0)}/s cpu ${us(procCpu)}us/job`);
}
const rounds = Number(process.env.ROUNDS ?? 3);
await measure('warm', (n) => rawUnaryPull(pubsub, n, 2 * C));
await measure('warm', pqCase);
for (let r = 0; r < rounds; r++) { await measure('raw', (n) => rawUnaryPull(pubsub, n, 2 * C)); await measure('pq', pqCase); }
await broker.close(); await pubsub.close();
