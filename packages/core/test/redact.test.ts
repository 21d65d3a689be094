import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sanitizeError, secretsOf } from '../src/config/secrets.js';
import { BrokerError, ErrorCode, QueueNotFoundError, redactCredentials, redactUrl } from '../src/index.js';

describe('credential redaction', () => {
  it.each([
    ['amqp://guest:pw123@h:5672/v?prefetch=5', 'amqp://guest:***@h:5672/v?prefetch=5'],
    ['nats://tok3n@h:4222', 'nats://***@h:4222'],
    ['fake://h?sas=S1&x=1', 'fake://h?sas=***&x=1'],
    ['servicebus://ns?credential=S2', 'servicebus://ns?credential=***'],
    [
      'sqs://?region=eu&access_key_id=AK&secret_access_key=SK',
      'sqs://?region=eu&access_key_id=***&secret_access_key=***',
    ],
    [
      'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=S3cr3t=',
      // Not a URL: core knows no connection-string format, so every value is masked.
      'Endpoint=***;SharedAccessKeyName=***;SharedAccessKey=***',
    ],
    ['amqp//guest:pw123@host', 'amqp//***@host'],
    ['sqs://?region=eu&endpoint=http://127.0.0.1:9324', 'sqs://?region=eu&endpoint=http://127.0.0.1:9324'],
  ])('redactUrl(%s)', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('leaves free text readable while masking credentials in it', () => {
    expect(redactCredentials('memory: queue "x" does not exist')).toBe('memory: queue "x" does not exist');
    expect(redactCredentials('failed amqp://u:p4ss@h with token=abc')).toBe(
      'failed amqp://***@h with token=***',
    );
  });

  it("collects the secret values a URL carries; a connection string is its adapter's to read", () => {
    expect(secretsOf('amqp://guest:p%40ss@h')).toEqual(['p%40ss', 'p@ss']);
    expect(secretsOf('sqs://?region=eu&secret_access_key=S3cr3t')).toEqual(['S3cr3t']);
    expect(secretsOf('memory://')).toEqual([]);
  });
});

describe('sanitizeError', () => {
  it('keeps the class and fields of a polyqueue error it has to redact', () => {
    const secret = 'redact-me-please';
    const native = Object.assign(new Error(`auth ${secret} failed`), { code: 'EAUTH' });
    const error = new BrokerError(`login with ${secret} refused`, ErrorCode.PermissionDenied, native);
    const clean = sanitizeError(error, [secret]);
    expect(clean).toBeInstanceOf(BrokerError);
    expect(clean.code).toBe(ErrorCode.PermissionDenied);
    expect(clean.name).toBe('BrokerError');
    expect(clean.retryable).toBe(false);
    expect(inspect(clean, { depth: 6 })).not.toContain(secret);
    expect((clean.cause as { code?: string }).code).toBe('EAUTH');
    const missing = sanitizeError(new QueueNotFoundError(`q-${secret}`), [secret]);
    expect(missing).toBeInstanceOf(QueueNotFoundError);
    expect(missing.queue).toBe('q-***');
    expect(sanitizeError(error, ['not-in-it'])).toBe(error);
  });
});
