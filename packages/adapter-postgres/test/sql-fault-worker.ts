// A worker in a process of its own, for the SQL fault tests: the test SIGKILLs it mid-stream.
// It reports each job to the parent before the handler returns, so before the ack: a job acked
// here is always counted there. Background errors are reported too, so the parent counts them.
//   sql-fault-worker.ts <url> <queue> <leaseMs>
import { connect } from '@polyqueue/core';

const [url, queueName, leaseMs] = process.argv.slice(2) as [string, string, string];
const send = (message: unknown) =>
  new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );

const broker = await connect(url);
broker.on(
  'error',
  (error, info) => void send({ error: `${info.action}: ${error.message}` }).catch(() => undefined),
);
const queue = broker.queue<{ n: number }>(queueName, { leaseMs: Number(leaseMs), maxAttempts: 1_000 });
queue
  .process((job) => send({ id: job.id }), { concurrency: 16 })
  .on('error', (error) => void send({ workerError: error.message }).catch(() => undefined));
await send({ ready: true });
