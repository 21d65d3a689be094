import { UsageError } from './exit-codes.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--delay 10m`, `90s`, `1500ms`, `2h`, `1d`: a whole number and one unit, so a typo never means "now". */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null)
    throw new UsageError(`${option} "${text}" is not a duration like 500ms, 30s, 10m, 2h or 1d`);
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`${option} "${text}" is not a whole number >= 1`);
  return Number(text);
}
