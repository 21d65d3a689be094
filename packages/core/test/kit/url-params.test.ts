import { describe, expect, it } from 'vitest';
import { UrlParams } from '../../src/driver/index.js';
import { ConfigError, redactUrl } from '../../src/index.js';

const URL_TEXT = 'amqp://app:hunter2-secret@rabbit.internal:5672/?x=1';
const REDACTED = redactUrl(URL_TEXT);

function params(entries: Record<string, string>): UrlParams {
  return new UrlParams(new Map(Object.entries(entries)), REDACTED);
}

function errorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('UrlParams', () => {
  it('returns defaults for absent parameters and the text of a string one', () => {
    const p = params({ prefix: 'pq' });
    expect(p.string('prefix')).toBe('pq');
    expect(p.string('other')).toBeUndefined();
    expect(p.int('n', { min: 1, default: 7 })).toBe(7);
    expect(p.bool('fifo', true)).toBe(true);
    expect(p.choice('type', ['quorum', 'classic'], 'quorum')).toBe('quorum');
    expect(p.duration('lease', { min: 1_000, default: 30_000 })).toBe(30_000);
  });

  it('reads decimal integers within bounds', () => {
    expect(params({ n: '42' }).int('n', { min: 1, max: 100, default: 1 })).toBe(42);
    expect(params({ n: '-5' }).int('n', { min: -10, default: 0 })).toBe(-5);
    expect(params({ n: '0' }).int('n', { min: 0, default: 3 })).toBe(0);
  });

  it.each(['', ' 1', '1 ', '1.5', '1e3', '0x10', '+1', 'ten', '99999999999999999999'])(
    'rejects the integer "%s"',
    (text) => {
      expect(() => params({ n: text }).int('n', { min: 0, default: 1 })).toThrow(ConfigError);
    },
  );

  it('rejects an integer out of bounds, saying the bounds, the value and the redacted URL', () => {
    const error = errorOf(() =>
      params({ delay_levels: '41' }).int('delay_levels', { min: 1, max: 40, default: 32 }),
    );
    expect(error.message).toBe(
      `Parameter delay_levels must be a whole number from 1 to 40, got "41" in ${REDACTED}`,
    );
    expect(error.message).not.toContain('hunter2-secret');
    const low = errorOf(() => params({ n: '0' }).int('n', { min: 1, default: 2 }));
    expect(low.message).toContain('a whole number of at least 1, got "0"');
  });

  it('reads booleans as exactly true, false, 1 or 0, the same on every adapter', () => {
    expect(params({ fifo: 'true' }).bool('fifo', false)).toBe(true);
    expect(params({ fifo: '1' }).bool('fifo', false)).toBe(true);
    expect(params({ fifo: 'false' }).bool('fifo', true)).toBe(false);
    expect(params({ fifo: '0' }).bool('fifo', true)).toBe(false);
    for (const text of ['TRUE', 'yes', 'on', '', 'True']) {
      const error = errorOf(() => params({ fifo: text }).bool('fifo', false));
      expect(error.message).toBe(`Parameter fifo must be true, false, 1 or 0, got "${text}" in ${REDACTED}`);
    }
  });

  it('reads a choice and names every accepted value when it is not one', () => {
    expect(params({ type: 'classic' }).choice('type', ['quorum', 'classic'], 'quorum')).toBe('classic');
    const error = errorOf(() => params({ type: 'Classic' }).choice('type', ['quorum', 'classic'], 'quorum'));
    expect(error.message).toBe(
      `Parameter type must be one of "quorum", "classic", got "Classic" in ${REDACTED}`,
    );
  });

  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
  ])('reads the duration %s as %i ms', (text, ms) => {
    expect(params({ lease: text }).duration('lease', { min: 0, default: 1 })).toBe(ms);
  });

  it.each(['30', '1.5s', '30S', ' 30s', '30 s', 's', '-1s', '1w'])('rejects the duration "%s"', (text) => {
    expect(() => params({ lease: text }).duration('lease', { min: 0, default: 1 })).toThrow(ConfigError);
  });

  it('rejects a duration out of bounds, giving the bounds in units', () => {
    const error = errorOf(() =>
      params({ lease: '8d' }).duration('lease', { min: 1_000, max: 604_800_000, default: 1 }),
    );
    expect(error.message).toBe(
      `Parameter lease must be a duration such as 250ms, 30s, 5m, 2h or 7d, from 1s to 7d, got "8d" in ${REDACTED}`,
    );
  });
});
