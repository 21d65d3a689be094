// A worker in a process of its own, for redis-crash.fault.test.ts: the test SIGKILLs it mid-stream.
// It reports each job it handles to the parent before the handler returns, so before the ack:
// a job acked here is always counted there.
import { connect } from '@polyqueue/core';

const url = process.argv[2]!;
const send = (message: unknown) =>
  new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );

const broker = await connect(url);
broker.on('error', () => undefined); // counted by the parent's broker; this process only works
const queue = broker.queue<{ n: number }>('crash', { leaseMs: 2_000, maxAttempts: 1_000 });
queue.process((job) => send({ id: job.id }), { concurrency: 16 }).on('error', () => undefined);
await send({ ready: true });
