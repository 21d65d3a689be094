import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** A goal printed next to a figure. Targets are for the bench, never assertions in tests. */
export interface Target {
  readonly op: '>=' | '<=' | '==';
  readonly value: number | string | boolean;
}

/**
 * One measured figure. `subject` is what ran (polyqueue, the raw client, a peer library), so that
 * rows from every adapter and peer line up in one table and one JSON file.
 */
export interface Row {
  readonly suite: string;
  readonly metric: string;
  readonly subject: string;
  readonly value: number | string | boolean;
  readonly unit: string;
  readonly target?: Target;
  readonly note?: string;
  /**
   * On a raw-client or peer row: the polyqueue row of the same suite and metric (same run) divided
   * by this row. Jobs/s: above 1 means polyqueue is faster. Latency (ms): above 1 means polyqueue
   * is slower. Set by `compareWithPolyqueue`, never by hand.
   */
  readonly ratio?: number;
  /** On a compared latency row: the polyqueue figure minus this one, in ms (the "within 1 ms" targets). */
  readonly differenceMs?: number;
  /** Samples behind the figure (an RSS trace...): written to the JSON, not printed. */
  readonly series?: readonly { readonly jobs: number; readonly rssMiB: number }[];
}

export interface RunInfo {
  readonly startedAt: string;
  readonly node: string;
  readonly platform: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly argv: readonly string[];
}

export function runInfo(): RunInfo {
  return {
    startedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    argv: process.argv.slice(2),
  };
}

/** The subject every other subject of a suite is compared with. */
export const POLYQUEUE = 'polyqueue';

/**
 * Adds `ratio` (and `differenceMs` on latency rows) to each raw-client or peer row that has a
 * polyqueue row with the same suite and metric: rows are paired by name, so a suite names both
 * sides of a comparison with one metric and tells them apart by subject.
 */
export function compareWithPolyqueue(rows: readonly Row[]): Row[] {
  const polyqueue = new Map<string, Row>();
  const key = (row: Row) => `${row.suite}\u0000${row.metric}`;
  for (const row of rows) if (row.subject === POLYQUEUE) polyqueue.set(key(row), row);
  return rows.map((row) => {
    const ours = polyqueue.get(key(row));
    if (ours === undefined || row.subject.startsWith(POLYQUEUE)) return row;
    if (typeof ours.value !== 'number' || typeof row.value !== 'number' || ours.unit !== row.unit) return row;
    const ratio = ours.value / row.value;
    if (!Number.isFinite(ratio)) return row;
    return { ...row, ratio, ...(row.unit === 'ms' ? { differenceMs: ours.value - row.value } : {}) };
  });
}

/** Whether a row meets its target; undefined when it has none. */
export function meets(row: Row): boolean | undefined {
  const { target, value } = row;
  if (target === undefined) return undefined;
  if (target.op === '==') return value === target.value;
  if (typeof value !== 'number' || typeof target.value !== 'number') return undefined;
  return target.op === '>=' ? value >= target.value : value <= target.value;
}

export function formatValue(value: number | string | boolean): string {
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatTarget(target: Target | undefined): string {
  return target === undefined ? '' : `${target.op} ${formatValue(target.value)}`;
}

/** A plain-text table: readable in a terminal and pasteable into docs/benchmarks.md as is. */
export function printTable(rows: readonly Row[]): void {
  const header = ['suite', 'metric', 'subject', 'value', 'unit', 'pq ratio', 'target', 'met', 'note'];
  const lines = rows.map((row) => {
    const met = meets(row);
    return [
      row.suite,
      row.metric,
      row.subject,
      formatValue(row.value),
      row.unit,
      row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`,
      formatTarget(row.target),
      met === undefined ? '' : met ? 'yes' : 'NO',
      row.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const rightAligned = new Set([3, 5]);
  const render = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  console.log(render(header));
  console.log(
    `|${widths.map((w, i) => (rightAligned.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const line of lines) console.log(render(line));
}

export async function writeJson(path: string, info: RunInfo, rows: readonly Row[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const body = {
    info,
    ratio: 'on raw-client and peer rows: the polyqueue row of the same suite and metric divided by this row',
    results: rows.map((row) => ({ ...row, met: meets(row) ?? null })),
  };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
}
