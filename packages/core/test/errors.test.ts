import { describe, expect, it } from 'vitest';
import {
  BrokerError,
  ClosedError,
  ErrorCode,
  HandlerTimeoutError,
  isRetryable,
  MessageTooLargeError,
  PolyqueueError,
  QueueNotFoundError,
  toError,
  UnrecoverableError,
  ValidationError,
} from '../src/index.js';

describe('errors', () => {
  it('maps the closed code set onto isRetryable', () => {
    const retryable = Object.values(ErrorCode).filter((code) =>
      isRetryable(new BrokerError('x', code, null)),
    );
    expect(retryable.sort()).toEqual(['DeadlineExceeded', 'ResourceExhausted', 'Unavailable']);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });

  it('gives every typed error its class name, a code and a kept cause', () => {
    const cause = new Error('native');
    const error = new QueueNotFoundError('emails', cause);
    expect(error.name).toBe('QueueNotFoundError');
    expect(error.code).toBe('NotFound');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(PolyqueueError);
    expect(new MessageTooLargeError(10, 5)).toMatchObject({
      sizeBytes: 10,
      limitBytes: 5,
      code: 'InvalidArgument',
    });
    expect(new HandlerTimeoutError(50)).toMatchObject({ code: 'DeadlineExceeded', retryable: true });
    expect(new ClosedError('worker', 'send').retryable).toBe(false);
    expect(new ValidationError('bad').issues).toEqual([{ message: 'bad' }]);
    expect(new UnrecoverableError('x').name).toBe('UnrecoverableError');
  });

  it('wraps non-Error throwables and keeps the original as cause', () => {
    expect(toError('boom')).toMatchObject({
      name: 'NonErrorThrown',
      message: expect.stringContaining('boom'),
    });
    const thrown = { code: 42 };
    const wrapped = toError(thrown);
    expect(wrapped.cause).toBe(thrown);
    expect(wrapped.message).toContain('code: 42');
    const real = new TypeError('t');
    expect(toError(real)).toBe(real);
  });
});
