// A producer in a process of its own, for the SQLite fault test: several of them write one file.
// It sends `count` jobs in batches and reports each batch's confirmed ids to the parent; a send
// that failed retryably is sent again, as an application would. Anything else exits non-zero.
//   sql-fault-producer.ts <url> <queue> <count>
import { isRetryable } from '@polyqueue/core';
import { connectReporting, report as send } from './sql-fault-child-ipc.js';

const [url, queueName, count] = process.argv.slice(2) as [string, string, string];
const BATCH = 100;
const broker = await connectReporting(url);
const queue = broker.queue<{ n: number }>(queueName);
let retried = 0;
for (let next = 0; next < Number(count); next += BATCH) {
  let pending = Array.from({ length: Math.min(BATCH, Number(count) - next) }, (_, i) => {
    const n = next + i;
    return { payload: { n }, options: n % 20 === 0 ? { delay: 300 } : {} };
  });
  while (pending.length > 0) {
    const results = await queue.sendBatch(pending);
    const confirmed: string[] = [];
    const again: typeof pending = [];
    results.forEach((result, i) => {
      if (result.ok) confirmed.push(result.id);
      else if (isRetryable(result.error)) again.push(pending[i]!);
      else throw result.error;
    });
    await send({ confirmed });
    retried += again.length;
    pending = again;
  }
}
await send({ done: true, retried });
await broker.close({ timeoutMs: 5_000 });
process.disconnect();
