import { describe, expect, it } from 'vitest';
import { ErrorCode, networkErrorCode } from '../../src/driver/index.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5672`), { code });
}

describe('networkErrorCode', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'ENOTFOUND',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EAI_AGAIN',
    'ECONNABORTED',
    'ETIMEDOUT',
  ])('maps %s to Unavailable (a socket timeout is an unreachable peer, not a deadline)', (code) => {
    expect(networkErrorCode(systemError(code))).toBe(ErrorCode.Unavailable);
  });

  it('is undefined for what is not a network error, so the adapter’s own table decides', () => {
    expect(networkErrorCode(new Error('no code'))).toBeUndefined();
    expect(networkErrorCode(systemError('EACCES'))).toBeUndefined();
    expect(networkErrorCode(Object.assign(new Error('api'), { code: 10059 }))).toBeUndefined();
    expect(networkErrorCode('ECONNREFUSED')).toBeUndefined();
    expect(networkErrorCode(undefined)).toBeUndefined();
  });

  it('looks through the cause chain of a wrapping SDK error', () => {
    const wrapped = new Error('request failed', {
      cause: new Error('socket', { cause: systemError('ECONNRESET') }),
    });
    expect(networkErrorCode(wrapped)).toBe(ErrorCode.Unavailable);
  });

  it('looks into AggregateError.errors (a connect that tried IPv6 and IPv4)', () => {
    const aggregate = new AggregateError([new Error('first'), systemError('ECONNREFUSED')], 'connect failed');
    expect(networkErrorCode(aggregate)).toBe(ErrorCode.Unavailable);
    expect(networkErrorCode(new Error('x', { cause: aggregate }))).toBe(ErrorCode.Unavailable);
  });

  it('terminates on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(networkErrorCode(a)).toBeUndefined();
  });
});
