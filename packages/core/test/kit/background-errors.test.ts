import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BackgroundError, BackgroundErrors } from '../../src/driver/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('BackgroundErrors', () => {
  it('before attach, writes one line to stderr per report: never silent', () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const errors = new BackgroundErrors();
    errors.report('forward', new Error('delay stream gone\nsecond line'), 'emails');
    errors.report('reconnect', 'ECONNREFUSED');
    expect(stderr.mock.calls).toEqual([
      ['[polyqueue] background forward of queue "emails" failed: Error: delay stream gone second line'],
      ['[polyqueue] background reconnect failed: ECONNREFUSED'],
    ]);
  });

  it('after attach, hands the native error to the sink with action and queue, and writes nothing', () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const errors = new BackgroundErrors();
    const reports: BackgroundError[] = [];
    errors.attach((report) => reports.push(report));
    const error = new Error('boom');
    errors.report('forward', error, 'emails');
    errors.report('connection', error);
    expect(reports).toEqual([
      { action: 'forward', queue: 'emails', error },
      { action: 'connection', error },
    ]);
    expect('queue' in reports[1]!).toBe(false);
    expect(stderr).not.toHaveBeenCalled();
  });

  it('never throws, even when the sink does (it says so on stderr instead)', () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const errors = new BackgroundErrors();
    errors.attach(() => {
      throw new Error('sink broken');
    });
    expect(() => errors.report('forward', new Error('boom'), 'emails')).not.toThrow();
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0]![0])).toContain('sink broken');
  });
});
