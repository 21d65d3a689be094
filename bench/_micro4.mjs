// scratch: Node CPU per job of the Pub/Sub consume path with an instant in-process API
import { connect } from '@polyqueue/core';
import { createPubSubDriver } from '@polyqueue/adapter-pubsub';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const JOBS = Number(process.env.JOBS ?? 200000), C = 64;
let nextId = 0;
class Api {
  projectId = 'm'; isEmulator = true; native = {}; remaining = 0;
  topicPath(t) { return `projects/m/topics/${t}`; } subscriptionPath(s) { return `projects/m/subscriptions/${s}`; }
  async createTopic() {} async createSubscription() {} async getAckDeadlineSeconds() { return 60; } async deleteSubscription() {} async deleteTopic() {} async topicNames() { return []; }
  async publish(t, m) { return m.map(() => ({ ok: true, id: String(nextId++) })); }
  pull(sub, max) {
    return new Promise((resolve) => setImmediate(() => {
      if (!sub.endsWith('.ready') && !sub.includes('delay') && this.remaining > 0) {
        const n = Math.min(max, this.remaining); this.remaining -= n; const out = new Array(n);
        for (let i = 0; i < n; i++) { const k = nextId++; out[i] = { ackId: `ack-${k}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, deliveryAttempt: 0, messageId: String(k), data: Buffer.from(JSON.stringify({ n: k, to: `user-${k % 1000}@example.com`, template: 'welcome' })), attributes: { 'pq-id': `0193a6b2-7c1e-7000-8000-${String(k).padStart(12, '0')}`, 'pq-enqueued-at': String(Date.now()) }, publishTime: Date.now() }; }
        resolve(out);
      } else resolve([]);
    }));
  }
  acknowledge() { return new Promise((r) => setImmediate(r)); }
  modifyAckDeadline() { return Promise.resolve(); }
  async close() {}
}
const api = new Api();
const broker = await connect({ driver: createPubSubDriver({ api, pollIntervalMs: 25 }) });
async function pq(label) {
  const q = broker.queue(label, { leaseMs: 60000 }); await q.provision();
  api.remaining = JOBS; let handled = 0, done; const p = new Promise((x) => (done = x));
  const cpu = process.cpuUsage(); const t = performance.now();
  const w = q.process(async () => { if (++handled === JOBS) done(); if (globalThis.__snap && handled === 50000) { globalThis.__snap = false; (await import('node:v8')).writeHeapSnapshot('/tmp/mid.heapsnapshot'); } }, { concurrency: C, prefetch: C });
  await p; const u = process.cpuUsage(cpu); const ms = performance.now() - t; await w.close();
  return ((u.user + u.system) / JOBS);
}
async function raw() {
  api.remaining = JOBS; let handled = 0;
  const cpu = process.cpuUsage();
  while (handled < JOBS) { const got = await api.pull('projects/m/subscriptions/raw', 128); for (const m of got) { JSON.parse(Buffer.from(m.data).toString('utf8')); handled++; } await api.acknowledge('x', got.map((m) => m.ackId)); }
  const u = process.cpuUsage(cpu); return ((u.user + u.system) / JOBS);
}
const prof = process.env.PROF; let session;
for (let r = 0; r < 6; r++) {
  if (prof && r === 2) { session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start'); }
  globalThis.__snap = r === 2;
  const a = await pq(`queue0`); const b = prof ? 0 : await raw();
  globalThis.gc?.(); console.log((process.memoryUsage().heapUsed/2**20).toFixed(1), "MiB");
  console.log(`pq ${a.toFixed(2)} us/job  raw ${b.toFixed(2)} us/job  diff ${(a - b).toFixed(2)}`);
}
if (session) { const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/micro.cpuprofile', JSON.stringify(profile)); }
await broker.close();
