// The child side of the SQL fault tests' processes (sql-fault-worker.ts, sql-fault-producer.ts):
// how a child reports to the parent (sql-fault-children.ts reads these messages).
import { type Broker, connect } from '@polyqueue/core';

/** Sends one message to the parent; resolves once it is written. */
export function report(message: unknown): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Connects, and reports every background error to the parent, which counts them. */
export async function connectReporting(url: string): Promise<Broker> {
  const broker = await connect(url);
  broker.on(
    'error',
    (error, info) => void report({ error: `${info.action}: ${error.message}` }).catch(() => undefined),
  );
  return broker;
}
