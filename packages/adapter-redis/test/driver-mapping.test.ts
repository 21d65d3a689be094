import type { BackgroundError, JobMeta, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { RedisDriver } from '../src/redis-driver.js';
import { RedisReservedFieldError } from '../src/redis-errors.js';
import { DEFAULT_SETTINGS } from '../src/redis-options.js';
import { decodeEntry, entryFields } from '../src/redis-wire.js';
import { FakeRedisClient, type SeenCall } from './fake-client.js';

// The mapping, on a narrow fake of the client: which keys and arguments each operation sends.
// The scripts themselves run on the real server (scripts.test.ts, conformance).
const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 1_000,
  maxAttempts: 3,
};
const body = new TextEncoder().encode('{"to":"a@b.c"}');

function setup(reply: (call: SeenCall) => unknown = () => null) {
  const client = new FakeRedisClient();
  client.reply = reply;
  const now = 1_000_000;
  const clock = { now: () => now, setTimeout, clearTimeout } as never;
  const driver = new RedisDriver({ client, settings: { ...DEFAULT_SETTINGS, keyPrefix: 'p' }, clock });
  return { client, driver, now };
}

function meta(id: string, extra: Partial<JobMeta> = {}): JobMeta {
  return { id, attemptOffset: 0, enqueuedAt: 1, ...extra };
}

describe('redis driver mapping', () => {
  it('sends a batch as one script: due-later jobs go to the delayed set, dedup keys in message order', async () => {
    const { client, driver, now } = setup((call) =>
      call.script === 'SEND' ? [Buffer.from(''), Buffer.from('kept-1'), Buffer.from('')] : null,
    );
    const outcomes = await driver.send(topology, [
      { body, attributes: { tenant: 't' }, meta: meta('a', { notBefore: now + 5_000 }) },
      { body, attributes: {}, meta: meta('b', { dedupId: 'd1' }) },
      { body, attributes: {}, meta: meta('c', { notBefore: now - 1 }) },
    ]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true, duplicateOf: 'kept-1' }, { ok: true }]);
    const [send] = client.calls;
    expect(send?.script).toBe('SEND');
    expect(send?.keys).toEqual(['p:{emails}:jobs', 'p:{emails}:delayed', 'p:{emails}:dedup:d1']);
    const args = send!.args.map(String);
    expect(args[0]).toBe(String(DEFAULT_SETTINGS.dedupWindowMs));
    // due, dedup key index, id, field count, fields...
    expect(args.slice(1, 5)).toEqual([String(now + 5_000), '0', 'a', '10']);
    const second = args.indexOf('b');
    expect(args.slice(second - 2, second + 2)).toEqual(['', '1', 'b', '8']);
    const third = args.indexOf('c');
    expect(args[third - 2], 'a notBefore already past goes straight into the stream').toBe('');
  });

  it('fails an item whose attribute is named "body" alone, and sends nothing when none is left', async () => {
    const { client, driver } = setup();
    const [outcome] = await driver.send(topology, [{ body, attributes: { body: 'x' }, meta: meta('a') }]);
    if (outcome === undefined || outcome.ok)
      throw new Error(`expected a failed outcome, got ${String(outcome)}`);
    expect(outcome.error).toBeInstanceOf(RedisReservedFieldError);
    expect(driver.errorCode(outcome.error)).toBe('InvalidArgument');
    expect(client.calls).toEqual([]);
  });

  it('provisions the stream and group idempotently, and passes other errors on', async () => {
    const { client, driver } = setup(() => {
      throw new Error('BUSYGROUP Consumer Group name already exists');
    });
    await driver.provision(topology);
    expect(client.calls[0]?.args).toEqual(['CREATE', 'p:{emails}:jobs', 'pq', '0', 'MKSTREAM']);
    client.reply = () => {
      throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    };
    await expect(driver.provision(topology)).rejects.toThrow(/WRONGTYPE/);
  });

  it('stats: ready is the stream length minus the pending entries', async () => {
    const { driver } = setup((call) => (call.script === 'STATS' ? [10, 3, 4, 2] : null));
    expect(await driver.stats(topology)).toEqual({ ready: 7, delayed: 4, inFlight: 3, deadLettered: 2 });
  });

  it('a receiver reclaims expired leases first (with their delivery counts), then reads new entries', async () => {
    const entry = [Buffer.from('5-0'), entryFields(body, {}, meta('job-1')).map((f) => Buffer.from(f))];
    const { client, driver } = setup((call) => {
      if (call.script === 'RECLAIM') return [Buffer.from('0-0'), [entry], [3]];
      if (call.command === 'XREADGROUP') return [[Buffer.from('p:{emails}:jobs'), [entry]]];
      return []; // the delay forwarder's pulls: nothing delayed
    });
    const receiver = driver.receiver(topology, { leaseMs: 1_000, maxUnsettled: 8 });
    const signal = new AbortController().signal;
    const [reclaimed] = await receiver.receive(5, signal);
    expect(reclaimed?.deliveryCount).toBe(3);
    expect(reclaimed?.meta.id).toBe('job-1');
    const reclaim = client.calls.find((call) => call.script === 'RECLAIM')!;
    expect(reclaim.args.slice(0, 5).map(String)).toEqual(['pq', expect.any(String), '1000', '0-0', '5']);
    const [read] = await receiver.receive(5, signal);
    expect(read?.deliveryCount).toBe(1);
    const xread = client.calls.find((call) => call.command === 'XREADGROUP')!;
    expect(xread.blocking).toBe(true);
    expect(xread.args.map(String)).toEqual([
      'GROUP',
      'pq',
      expect.any(String),
      'COUNT',
      '5',
      'BLOCK',
      '125',
      'STREAMS',
      'p:{emails}:jobs',
      '>',
    ]);
    await receiver.close();
    await driver.close('graceful');
  });

  it("reports the connection's own errors as background errors", () => {
    const { client, driver } = setup();
    const reports: BackgroundError[] = [];
    driver.reportErrorsTo((report) => reports.push(report));
    client.emitError(new Error('connect ECONNREFUSED'));
    expect(reports.map((report) => report.action)).toEqual(['connection']);
  });
});

describe('redis wire format', () => {
  it('round-trips body, metadata, attributes and a dead-letter record', () => {
    const record = {
      reason: 'failed' as const,
      errorName: 'E',
      errorMessage: 'm',
      attempts: 2,
      sourceQueue: 'q',
      failedAt: 9,
    };
    const fields = entryFields(
      body,
      { tenant: 't' },
      meta('id-1', { attemptOffset: 2, dedupId: 'd' }),
      record,
    );
    const decoded = decodeEntry({ id: '1-0', fields: fields.map((f) => Buffer.from(f)) });
    expect(new TextDecoder().decode(decoded.body)).toBe('{"to":"a@b.c"}');
    expect(decoded.attributes).toEqual({ tenant: 't' });
    expect(decoded.meta).toEqual({ id: 'id-1', attemptOffset: 2, enqueuedAt: 1, dedupId: 'd' });
    expect(decoded.deadLetter).toEqual(record);
  });

  it('a foreign entry without a body field decodes with an empty body and its fields as attributes', () => {
    const decoded = decodeEntry({ id: '1-0', fields: [Buffer.from('payload'), Buffer.from('{}')] });
    expect(decoded.body.length).toBe(0);
    expect(decoded.attributes).toEqual({ payload: '{}' });
    expect(decoded.meta).toEqual({});
  });
});
