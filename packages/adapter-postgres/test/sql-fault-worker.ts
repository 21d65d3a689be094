// A worker in a process of its own, for the SQL fault tests: the test SIGKILLs it mid-stream.
// It reports each job to the parent before the handler returns, so before the ack: a job acked
// here is always counted there. Background errors are reported too, so the parent counts them.
//   sql-fault-worker.ts <url> <queue> <leaseMs>
import { connectReporting, report as send } from './sql-fault-child-ipc.js';

const [url, queueName, leaseMs] = process.argv.slice(2) as [string, string, string];
const broker = await connectReporting(url);
const queue = broker.queue<{ n: number }>(queueName, { leaseMs: Number(leaseMs), maxAttempts: 1_000 });
queue
  .process((job) => send({ id: job.id }), { concurrency: 16 })
  .on('error', (error) => void send({ workerError: error.message }).catch(() => undefined));
await send({ ready: true });
