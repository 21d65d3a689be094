import type { QueueStats } from '@polyqueue/core';
import logUpdate from 'log-update';
import { UsageError } from '../exit-codes.js';
import type { Session } from '../session.js';

const FIELDS = ['ready', 'delayed', 'inFlight', 'deadLettered'] as const;

export interface StatsOptions {
  readonly watch?: boolean;
  readonly interval: number;
}

/** One table of counts per queue; with --watch it is drawn again in place (NDJSON: a line per queue per round). */
export async function stats(
  session: Session,
  queues: readonly string[],
  options: StatsOptions,
): Promise<void> {
  if (queues.length === 0)
    throw new UsageError('name at least one queue (listing queues is not available yet)');
  const broker = await session.broker();
  const read = async () =>
    Promise.all(queues.map(async (name) => ({ queue: name, ...(await broker.queue(name).stats()) })));
  if (options.watch !== true) return render(session, await read(), false);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    render(session, await read(), true);
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, options.interval);
      stop.signal.addEventListener('abort', () => resolve(clearTimeout(timer)), { once: true });
    });
  }
  if (!session.out.json) logUpdate.done();
}

function render(session: Session, rows: readonly (QueueStats & { queue: string })[], redraw: boolean): void {
  const { out } = session;
  if (out.json) {
    for (const row of rows) out.record({ at: new Date().toISOString(), ...row });
    return;
  }
  const width = Math.max(5, ...rows.map((row) => row.queue.length));
  const show = (n: number | undefined) => (n === undefined ? '-' : String(n)).padStart(12);
  const lines = [
    `${'queue'.padEnd(width)} ${FIELDS.map((f) => f.padStart(12)).join(' ')}`,
    ...rows.map((row) => `${row.queue.padEnd(width)} ${FIELDS.map((f) => show(row[f])).join(' ')}`),
  ];
  if (redraw) logUpdate(out.redact(lines.join('\n')));
  else for (const line of lines) out.line(line);
}
