import { ConfigError } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { redisErrorCode } from '../src/redis-errors.js';
import { isValidPrefix, queueKeys } from '../src/redis-names.js';
import { settingsFromUrl } from '../src/redis-options.js';

function parse(text: string) {
  const url = new URL(text);
  return settingsFromUrl(url, new Map(url.searchParams), text.replace(/\/\/[^@]*@/, '//***@'));
}

describe('redis URL', () => {
  it('reads host, port, database, credentials and TLS', () => {
    const { connection, settings } = parse(
      'rediss://user:s3cret@cache.example:6380/2?key_prefix=prod&dedup_window=2m',
    );
    expect(connection).toEqual({
      mode: 'standalone',
      hosts: [{ host: 'cache.example', port: 6380 }],
      tls: true,
      db: 2,
      username: 'user',
      password: 's3cret',
    });
    expect(settings.keyPrefix).toBe('prod');
    expect(settings.dedupWindowMs).toBe(120_000);
  });

  it('Sentinel: the URL host and `hosts` are Sentinels (port 26379 by default), `sentinel_name` the master', () => {
    const { connection } = parse('redis://:pw@s1?sentinel_name=mymaster&hosts=s2:26380,s3');
    expect(connection.mode).toBe('sentinel');
    expect(connection.sentinelName).toBe('mymaster');
    expect(connection.hosts).toEqual([
      { host: 's1', port: 26_379 },
      { host: 's2', port: 26_380 },
      { host: 's3', port: 26_379 },
    ]);
    expect(connection.password).toBe('pw');
  });

  it('Cluster: seed nodes from the URL and `hosts`; a database other than 0 is refused', () => {
    expect(parse('redis://n1:7000?cluster=true&hosts=n2:7001').connection).toMatchObject({
      mode: 'cluster',
      hosts: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
    expect(() => parse('redis://n1:7000/3?cluster=true')).toThrow(ConfigError);
  });

  it('refuses bad values by name, without the credentials', () => {
    for (const [query, name] of [
      ['key_prefix=a{b}', 'key_prefix'],
      ['command_timeout=0s', 'command_timeout'],
      ['dedup_window=5', 'dedup_window'],
      ['hosts=a:b:c', 'hosts'],
    ] as const) {
      let error: unknown;
      try {
        parse(`redis://u:topsecret@h?${query}`);
      } catch (caught) {
        error = caught;
      }
      expect(error, query).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});

describe('redis keys and errors', () => {
  it('every key of a queue carries the queue as its hash tag, names used as they are', () => {
    expect(queueKeys('pq', 'a.b')).toEqual({
      stream: 'pq:{a.b}:jobs',
      delayed: 'pq:{a.b}:delayed',
      dead: 'pq:{a.b}:dead',
      dedupPrefix: 'pq:{a.b}:dedup:',
    });
    expect(queueKeys('pq', 'a_b').stream).not.toBe(queueKeys('pq', 'a.b').stream);
    expect(isValidPrefix('a{')).toBe(false);
  });

  it('maps reply codes, script errors, client states and sockets to the closed set', () => {
    const cases: [unknown, string][] = [
      [new Error("NOGROUP No such key 'k' or consumer group 'pq'"), 'NotFound'],
      [new Error('PQNOQUEUE the queue does not exist'), 'NotFound'],
      [new Error('ERR user_script:3: NOGROUP No such key script: abc'), 'NotFound'],
      [new Error('WRONGPASS invalid username-password pair'), 'PermissionDenied'],
      [new Error('NOAUTH Authentication required.'), 'PermissionDenied'],
      [new Error('OOM command not allowed when used memory > maxmemory'), 'ResourceExhausted'],
      [new Error('LOADING Redis is loading the dataset in memory'), 'Unavailable'],
      [new Error('READONLY You cannot write against a read only replica.'), 'Unavailable'],
      [new Error('Connection is closed.'), 'Unavailable'],
      [new Error('Command timed out'), 'DeadlineExceeded'],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'Unavailable'],
      [new Error('ERR something else'), 'Unknown'],
    ];
    for (const [error, code] of cases) expect(redisErrorCode(error), String(error)).toBe(code);
  });
});
