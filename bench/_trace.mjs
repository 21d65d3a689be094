import { v1 } from '@google-cloud/pubsub';
export const events = [];
const P = v1.SubscriberClient.prototype;
const wrap = (name) => { const orig = P[name]; P[name] = function (req, ...a) {
  const ev = { name, sub: req.subscription.split('/').pop(), n: req.ackIds?.length ?? req.maxMessages, t0: performance.now(), t1: 0, got: 0 };
  events.push(ev); const r = orig.call(this, req, ...a);
  r.then((x) => { ev.t1 = performance.now(); if (name === 'pull') ev.got = x?.[0]?.receivedMessages?.length ?? 0; }, () => { ev.t1 = performance.now(); });
  return r; }; };
wrap('pull'); wrap('acknowledge'); wrap('modifyAckDeadline');
export function summarize(label) {
  const ev = events.splice(0);
  const main = ev.filter((e) => e.name === 'pull' && e.got > 0);
  const acks = ev.filter((e) => e.name === 'acknowledge');
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)].toFixed(2) : '-'; };
  const otherPulls = ev.filter((e) => e.name === 'pull' && e.got === 0).length;
  // overlap: max concurrent requests
  const t = []; for (const e of ev) { t.push([e.t0, 1], [e.t1, -1]); } t.sort((a, b) => a[0] - b[0]); let c = 0, mx = 0, area = 0, last = t[0]?.[0] ?? 0; for (const [x, d] of t) { area += c * (x - last); last = x; c += d; mx = Math.max(mx, c); }
  const span = ev.length ? Math.max(...ev.map((e) => e.t1)) - Math.min(...ev.map((e) => e.t0)) : 0;
  console.log(`${label}: pulls ${main.length} (+${otherPulls} empty) got med ${med(main.map((e) => e.got))}, pull lat med ${med(main.map((e) => e.t1 - e.t0))} ms; acks ${acks.length} n med ${med(acks.map((e) => e.n))} lat med ${med(acks.map((e) => e.t1 - e.t0))} ms; mean in flight ${(area / span).toFixed(2)} max ${mx}; span ${span.toFixed(0)} ms`);
  // gap: pull response -> first ack request after it, ack response -> next pull request
  const g1 = [], g2 = [];
  for (const p of main) { const a = acks.find((x) => x.t0 >= p.t1); if (a) g1.push(a.t0 - p.t1); const np = ev.find((x) => x.name === 'pull' && x.t0 >= p.t1 && x.sub === p.sub); if (np) g2.push(np.t0 - p.t1); }
  console.log(`   pull resp -> ack req med ${med(g1)} ms; pull resp -> next pull req med ${med(g2)} ms`);
}
