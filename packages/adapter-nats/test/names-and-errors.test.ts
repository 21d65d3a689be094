import { ErrorCode } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { NatsStreamMissingError, natsErrorCode } from '../src/nats-errors.js';
import { encodeName, queueNames } from '../src/nats-names.js';
import { settingsFromUrl } from '../src/nats-options.js';
import { escapeLineBreaks, unescapeLineBreaks } from '../src/nats-wire.js';

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra });

describe('native names', () => {
  it('escapes what streams and subjects cannot hold, injectively and readably', () => {
    expect(encodeName('orders')).toBe('orders');
    expect(encodeName('orders.dlq')).toBe('orders_2edlq');
    expect(encodeName('a_b')).toBe('a_5fb');
    expect(encodeName('a b*>é')).toBe('a_20b_2a_3e_c3_a9');
    expect(encodeName('a.b')).not.toBe(encodeName('a_2eb'));
  });

  it('keeps each queue, its delay stream, its dead-letter bodies and its dedup ledger apart', () => {
    expect(queueNames('pq', 'emails')).toEqual({
      stream: 'pq_Q_emails',
      subject: 'pq.q.emails',
      delayStream: 'pq_D_emails',
      delaySubject: 'pq.d.emails',
      bodyStream: 'pq_B_emails',
      bodySubject: 'pq.b.emails',
      ledgerStream: 'pq_U_emails',
      ledgerSubject: 'pq.u.emails',
    });
  });

  // N1 at the naming level: names that differ only by . _ - or by a suffix another adapter
  // reserves never share a stream or a subject, in any role, and every name is one NATS accepts.
  it('maps names that differ only by . _ - or a reserved-looking suffix to distinct, valid streams and subjects', () => {
    const logical = [
      'orders',
      'orders.dlq',
      'orders_dlq',
      'orders-dlq',
      'orders_2edlq',
      'orders_5fdlq',
      'a.b',
      'a_b',
      'a-b',
      'a__b',
      'x.delay',
      'x.ready',
      'x_pq_delay',
      'x_D_y',
      'x_Q_y',
      'x.q.y',
      'Q',
      'D',
      'B',
    ];
    const owner = new Map<string, string>();
    for (const name of logical) {
      const names = queueNames('pq', name);
      for (const [role, native] of Object.entries(names)) {
        const taken = owner.get(native);
        expect(taken, `${native} (${role} of "${name}") is already ${taken}`).toBeUndefined();
        owner.set(native, `${role} of "${name}"`);
        if (role.endsWith('Stream') || role === 'stream') expect(native).toMatch(/^[A-Za-z0-9_-]+$/);
        else expect(native).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/);
      }
    }
    expect(owner.size).toBe(logical.length * 8);
  });

  it('keeps the same logical name apart under two prefixes (a prefix holds neither _ nor .)', () => {
    const a = queueNames('pq', 'x');
    const b = queueNames('pq-x', 'x');
    expect(new Set([...Object.values(a), ...Object.values(b)]).size).toBe(16);
  });
});

describe('errorCode', () => {
  it.each([
    [named('NatsStreamMissingError'), ErrorCode.NotFound],
    [new NatsStreamMissingError('pq_Q_x'), ErrorCode.NotFound],
    [named('StreamNotFoundError', { code: 10059 }), ErrorCode.NotFound],
    [named('ConsumerNotFoundError', { code: 10014 }), ErrorCode.NotFound],
    [named('JetStreamApiError', { code: 10058 }), ErrorCode.AlreadyExists],
    [named('JetStreamApiError', { code: 10047 }), ErrorCode.ResourceExhausted],
    [named('TimeoutError'), ErrorCode.DeadlineExceeded],
    [named('ClosedConnectionError'), ErrorCode.Unavailable],
    [named('JetStreamNotEnabled'), ErrorCode.Unavailable],
    [named('JetStreamError', { message: 'heartbeats missed' }), ErrorCode.Unavailable],
    [named('Error', { code: 'ECONNREFUSED' }), ErrorCode.Unavailable],
    // The kit's one network table: a socket timeout is an unreachable peer, not our own deadline.
    [named('Error', { code: 'ETIMEDOUT' }), ErrorCode.Unavailable],
    [named('Error', { cause: named('Error', { code: 'ECONNRESET' }) }), ErrorCode.Unavailable],
    [named('AuthorizationError'), ErrorCode.PermissionDenied],
    [named('InvalidArgumentError'), ErrorCode.InvalidArgument],
    [named('JetStreamStatusError', { code: 408 }), ErrorCode.DeadlineExceeded],
    [new Error('something else'), ErrorCode.Unknown],
    ['not an error', ErrorCode.Unknown],
  ])('%o -> %s', (error, code) => {
    expect(natsErrorCode(error)).toBe(code);
  });
});

describe('URL', () => {
  const parse = (url: string) => {
    const parsed = new URL(url);
    return settingsFromUrl(parsed, new Map(parsed.searchParams), 'nats://h/redacted');
  };

  it('reads host, credentials, token and parameters with their defaults', () => {
    expect(parse('nats://u:p%40ss@h:4333?stream_prefix=prod&max_nak_delay_ms=5000')).toEqual({
      settings: { streamPrefix: 'prod', apiTimeoutMs: 5_000, dedupWindowMs: 120_000, maxNakDelayMs: 5_000 },
      connection: { servers: 'h:4333', name: 'polyqueue', user: 'u', pass: 'p@ss' },
    });
    expect(parse('nats://tok@h').connection).toEqual({ servers: 'h:4222', name: 'polyqueue', token: 'tok' });
  });

  it('rejects bad values by parameter name, with the value and the redacted URL', () => {
    expect(() => parse('nats://h?stream_prefix=a.b')).toThrow(/stream_prefix.*"a\.b".*nats:\/\/h\/redacted/);
    expect(() => parse('nats://h?api_timeout_ms=0')).toThrow(/api_timeout_ms.*"0"/);
    // The kit's spellings: decimal integers only.
    for (const value of ['1e3', '0x10', '1.5', ' 1', ''])
      expect(() => parse(`nats://h?dedup_window_ms=${encodeURIComponent(value)}`)).toThrow(/dedup_window_ms/);
  });
});

describe('header escaping', () => {
  it('round-trips CR, LF and % in dead-letter error fields', () => {
    const text = 'Error: 100% down\r\n    at x\n';
    expect(escapeLineBreaks(text)).not.toMatch(/[\r\n]/);
    expect(unescapeLineBreaks(escapeLineBreaks(text))).toBe(text);
  });
});
