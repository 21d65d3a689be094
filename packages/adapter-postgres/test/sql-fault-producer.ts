// A producer in a process of its own, for the SQLite fault test: several of them write one file.
// It sends `count` jobs in batches and reports each batch's confirmed ids to the parent; a send
// that failed retryably is sent again, as an application would. Anything else exits non-zero.
//   sql-fault-producer.ts <url> <queue> <count>
import { connect, isRetryable } from '@polyqueue/core';

const [url, queueName, count] = process.argv.slice(2) as [string, string, string];
const BATCH = 100;
const send = (message: unknown) =>
  new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );

const broker = await connect(url);
broker.on(
  'error',
  (error, info) => void send({ error: `${info.action}: ${error.message}` }).catch(() => undefined),
);
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
