import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { connect } from '@polyqueue/core';
import { rawUnaryPull } from './dist/suites/pubsub/raw-clients.js';
import { payload } from './dist/workload.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
process.env.METADATA_SERVER_DETECTION ??= 'none';
const project = `prof-${randomBytes(4).toString('hex')}`; const host = '127.0.0.1:8085';
const pubsub = new PubSub({ projectId: project, apiEndpoint: host });
const broker = await connect(`pubsub://${project}?emulator_host=${host}`);
const JOBS = 20000, C = 64; const mode = process.argv[2] ?? 'pq';
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 });
function pqCase(name) { const q = broker.queue(name, { leaseMs: 60000 });
  return { async send(b) { await q.sendBatch(b.map((p) => ({ payload: p }))); }, consume(onJob) { const w = q.process(async (j) => { onJob(j.payload); }, { concurrency: C, prefetch: C }); return { close: () => w.close() }; } }; }
const mk = mode === 'pq' ? pqCase : (n) => rawUnaryPull(pubsub, n, 2 * C);
for (let r = 0; r < 4; r++) {
  const name = `p-${randomBytes(3).toString('hex')}`; await broker.queue(name, { leaseMs: 60000 }).provision(); const c = mk(name);
  for (let s = 0; s < JOBS; s += 1000) { const items = []; for (let i = 0; i < 1000; i++) items.push(payload(s + i)); await c.send(items); }
  if (r > 0) await session.post('Profiler.start');
  let handled = 0, done; const p = new Promise((x) => (done = x)); const t = performance.now(); const cpu = process.cpuUsage();
  const w = c.consume(() => { if (++handled === JOBS) done(); });
  await p; const u = process.cpuUsage(cpu); console.log(mode, 'process', (JOBS / (performance.now() - t) * 1000).toFixed(0), ((u.user + u.system) / JOBS).toFixed(1), 'us/job');
  if (r > 0) { const { profile } = await session.post('Profiler.stop'); writeFileSync(`/tmp/${mode}${r}.cpuprofile`, JSON.stringify(profile)); }
  await w.close();
}
await broker.close(); await pubsub.close();
