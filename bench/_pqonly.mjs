import { randomBytes } from 'node:crypto';
import { connect } from '@polyqueue/core';
import { payload } from './dist/workload.js';
import { Session } from 'node:inspector/promises';
process.env.METADATA_SERVER_DETECTION ??= 'none';
const project = `prof-${randomBytes(4).toString('hex')}`; const host = '127.0.0.1:8085';
const broker = await connect(`pubsub://${project}?emulator_host=${host}`);
const JOBS = 20000, C = 64; const mode = process.argv[2] ?? 'pq';
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 });
for (let r = 0; r < 4; r++) {
  const name = `p-${randomBytes(3).toString('hex')}`; const q = broker.queue(name, { leaseMs: 60000 }); await q.provision();
  for (let s = 0; s < JOBS; s += 1000) { const items = []; for (let i = 0; i < 1000; i++) items.push({ payload: payload(s + i) }); await q.sendBatch(items); }
  if (r > 0) await session.post('Profiler.start');
  let handled = 0, done; const p = new Promise((x) => (done = x)); const t = performance.now(); const cpu = process.cpuUsage();
  const w = q.process(async () => { if (++handled === JOBS) done(); }, { concurrency: C, prefetch: C });
  await p; const u = process.cpuUsage(cpu); console.log('process', (JOBS / (performance.now() - t) * 1000).toFixed(0), ((u.user + u.system) / JOBS).toFixed(1), 'us/job');
  await w.close();
}
const { profile } = await session.post('Profiler.stop');
(await import('node:fs')).writeFileSync('/tmp/pq.cpuprofile', JSON.stringify(profile));
await broker.close();
