/**
 * One worker process of the SQLite multi-process case, forked by sqlite.ts:
 * `sqlite-worker <url> <queue> <concurrency>`. It connects, says `ready`, processes from `start`
 * on with the no-op handler, and reports `{ handled, lastNs }` (jobs handled since the last
 * report, and the monotonic time of the latest handler start) until told to `stop`. The clock is
 * CLOCK_MONOTONIC, shared by every process of the machine, so the parent can end the run at the
 * true last handler start of whichever process handled it.
 */
import { connect } from '@polyqueue/core';
import { noop, type Payload } from '../../workload.js';

export type ParentMessage = 'start' | 'stop';
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'handled'; readonly handled: number; readonly lastNs: string };

const [url, name, concurrencyText] = process.argv.slice(2);
if (url === undefined || name === undefined || concurrencyText === undefined || process.send === undefined)
  throw new Error('usage: forked by sqlite.ts with <url> <queue> <concurrency> and an IPC channel');
const send = process.send.bind(process);

const REPORT_EVERY_JOBS = 500;
const REPORT_EVERY_MS = 20;

const broker = await connect(url);
const queue = broker.queue<Payload>(name);
let unreported = 0;
let lastNs = 0n;
const report = () => {
  if (unreported === 0) return;
  send({ type: 'handled', handled: unreported, lastNs: String(lastNs) } satisfies WorkerMessage);
  unreported = 0;
};
let worker: ReturnType<typeof queue.process> | undefined;
const timer = setInterval(report, REPORT_EVERY_MS);

process.on('message', async (message: ParentMessage) => {
  if (message === 'start') {
    worker = queue.process(
      (job) => {
        lastNs = process.hrtime.bigint();
        if (++unreported >= REPORT_EVERY_JOBS) report();
        return noop(job.payload);
      },
      { concurrency: Number(concurrencyText) },
    );
    return;
  }
  await worker?.close();
  clearInterval(timer);
  report();
  await broker.close();
  process.disconnect();
});

send({ type: 'ready' } satisfies WorkerMessage);
