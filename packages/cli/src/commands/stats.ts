import { type Broker, type QueueStats, STATS_FIELDS } from '@polyqueue/core';
import logUpdate from 'log-update';
import type { Session } from '../session.js';

/** What a count the broker cannot tell shows as, on a terminal (JSON: null). Never 0. */
const UNKNOWN = 'n/a';

export interface StatsOptions {
  readonly watch?: boolean;
  readonly interval: number;
}

type Row = QueueStats & { readonly queue: string };

/**
 * One table of counts per queue, every queue `broker.queues()` lists when none is named; with
 * --watch it is drawn again in place (NDJSON: a line per queue per round).
 */
export async function stats(
  session: Session,
  queues: readonly string[],
  options: StatsOptions,
): Promise<void> {
  const broker = await session.broker();
  // Listed again each round with --watch, so a queue created meanwhile shows up.
  const read = async () => readAll(broker, queues.length > 0 ? queues : await broker.queues());
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

function readAll(broker: Broker, names: readonly string[]): Promise<Row[]> {
  return Promise.all(names.map(async (queue) => ({ queue, ...(await broker.queue(queue).stats()) })));
}

function render(session: Session, rows: readonly Row[], redraw: boolean): void {
  const { out } = session;
  if (out.json) {
    const at = new Date().toISOString();
    // JSON has no undefined: a count the broker cannot tell is null, so the key stays visible.
    for (const row of rows)
      out.record({
        at,
        queue: row.queue,
        ...Object.fromEntries(STATS_FIELDS.map((f) => [f, row[f] ?? null])),
      });
    return;
  }
  if (rows.length === 0) {
    out.line('no queues');
    return;
  }
  const width = Math.max(5, ...rows.map((row) => row.queue.length));
  const show = (n: number | undefined) => (n === undefined ? UNKNOWN : String(n)).padStart(12);
  const lines = [
    `${'queue'.padEnd(width)} ${STATS_FIELDS.map((f) => f.padStart(12)).join(' ')}`,
    ...rows.map((row) => `${row.queue.padEnd(width)} ${STATS_FIELDS.map((f) => show(row[f])).join(' ')}`),
  ];
  if (redraw) logUpdate(out.redact(lines.join('\n')));
  else for (const line of lines) out.line(line);
}
