import { ConfigError } from '../../errors/config-error.js';

const INTEGER = /^-?[0-9]+$/;
const DURATION = /^([0-9]+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Typed reads of a URL's query parameters, with one set of spellings for every adapter (so
 * `fifo=1` means the same on every broker), and errors that name the parameter, the value, what
 * is accepted and the URL (already redacted: never echo credentials). Unknown parameters are
 * rejected before this, by core, from `AdapterModule.parameters`.
 */
export class UrlParams {
  readonly #params: ReadonlyMap<string, string>;
  readonly #redactedUrl: string;

  constructor(params: ReadonlyMap<string, string>, redactedUrl: string) {
    this.#params = params;
    this.#redactedUrl = redactedUrl;
  }

  string(name: string): string | undefined {
    return this.#params.get(name);
  }

  /**
   * Decimal integers only: '', ' 1', '1.5', '1e3' and '0x10' are rejected, since `Number()`
   * would quietly read some of them as something the user did not write.
   */
  int(name: string, options: { min: number; max?: number; default: number }): number {
    const text = this.#params.get(name);
    if (text === undefined) return options.default;
    const value = INTEGER.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || !inRange(value, options))
      throw this.#invalid(name, text, `a whole number ${range(options, String)}`);
    return value;
  }

  /** Exactly 'true', 'false', '1' or '0' (lowercase). */
  bool(name: string, defaultValue: boolean): boolean {
    const text = this.#params.get(name);
    if (text === undefined) return defaultValue;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    throw this.#invalid(name, text, 'true, false, 1 or 0');
  }

  choice<T extends string>(name: string, values: readonly T[], defaultValue: T): T {
    const text = this.#params.get(name);
    if (text === undefined) return defaultValue;
    if ((values as readonly string[]).includes(text)) return text as T;
    throw this.#invalid(name, text, `one of ${values.map((value) => `"${value}"`).join(', ')}`);
  }

  /**
   * An integer with a required unit: '250ms', '30s', '5m', '2h' or '7d'; returns milliseconds.
   * The unit is required because a bare number is read as seconds by some tools and ms by others.
   */
  duration(name: string, options: { min: number; max?: number; default: number }): number {
    const text = this.#params.get(name);
    if (text === undefined) return options.default;
    const match = DURATION.exec(text);
    const value = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
    if (!Number.isSafeInteger(value) || !inRange(value, options))
      throw this.#invalid(
        name,
        text,
        `a duration such as 250ms, 30s, 5m, 2h or 7d, ${range(options, formatDuration)}`,
      );
    return value;
  }

  #invalid(name: string, text: string, accepted: string): ConfigError {
    return new ConfigError(`Parameter ${name} must be ${accepted}, got "${text}" in ${this.#redactedUrl}`);
  }
}

function inRange(value: number, options: { min: number; max?: number }): boolean {
  return value >= options.min && (options.max === undefined || value <= options.max);
}

function range(options: { min: number; max?: number }, format: (value: number) => string): string {
  return options.max === undefined
    ? `of at least ${format(options.min)}`
    : `from ${format(options.min)} to ${format(options.max)}`;
}

/** Milliseconds in the largest unit that divides them exactly: 86400000 → '1d'. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
