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
  const header = ['suite', 'metric', 'subject', 'value', 'unit', 'target', 'met', 'note'];
  const lines = rows.map((row) => {
    const met = meets(row);
    return [
      row.suite,
      row.metric,
      row.subject,
      formatValue(row.value),
      row.unit,
      formatTarget(row.target),
      met === undefined ? '' : met ? 'yes' : 'NO',
      row.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const rightAligned = new Set([3]);
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
  const body = { info, results: rows.map((row) => ({ ...row, met: meets(row) ?? null })) };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
}
