import { describe, expect, it } from 'vitest';
import { ConfigError, compileBackoff } from '../src/index.js';

const err = new Error('x');

describe('backoff policies', () => {
  it('fixed always waits the same', () => {
    const backoff = compileBackoff({ type: 'fixed', delayMs: 250 });
    expect([1, 2, 9].map((a) => backoff(a, err))).toEqual([250, 250, 250]);
  });

  it('exponential doubles from initialMs and stops at maxMs', () => {
    const backoff = compileBackoff({ type: 'exponential', initialMs: 100, maxMs: 1_000 });
    expect([1, 2, 3, 4, 5, 6].map((a) => backoff(a, err))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('exponential honours a custom multiplier', () => {
    const backoff = compileBackoff({ type: 'exponential', initialMs: 10, multiplier: 3 });
    expect([1, 2, 3].map((a) => backoff(a, err))).toEqual([10, 30, 90]);
  });

  it('full jitter stays within [0, ceiling] and actually varies', () => {
    const values = [0, 0.5, 0.999].map((r) =>
      compileBackoff({ type: 'exponential', initialMs: 100, maxMs: 1_000, jitter: true }, () => r)(3, err),
    );
    expect(values).toEqual([0, 200, 399]);
  });

  it('a custom function receives the attempt and the error; bad results are rejected', () => {
    const seen: [number, string][] = [];
    const backoff = compileBackoff((attempt, error) => {
      seen.push([attempt, error.message]);
      return attempt * 7;
    });
    expect(backoff(3, err)).toBe(21);
    expect(seen).toEqual([[3, 'x']]);
    expect(() => compileBackoff(() => Number.NaN)(1, err)).toThrow(ConfigError);
    expect(() => compileBackoff(() => -5)(1, err)).toThrow(ConfigError);
  });

  it('rejects invalid definitions up front', () => {
    expect(() => compileBackoff({ type: 'exponential', initialMs: 100, maxMs: 50 })).toThrow(/maxMs/);
    expect(() => compileBackoff({ type: 'exponential', initialMs: 100, multiplier: 0.5 })).toThrow(
      /multiplier/,
    );
    expect(() => compileBackoff({ type: 'linear' } as never)).toThrow(/Unknown backoff/);
  });
});
