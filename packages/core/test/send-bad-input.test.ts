import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  connect,
  MessageTooLargeError,
  QueueNotFoundError,
  SerializationError,
  UnsupportedFeatureError,
  ValidationError,
} from '../src/index.js';
import { createTestBroker, type TestBroker } from '../src/testing/index.js';
import { fakeDriver } from './fake-driver.js';

let t: TestBroker;
beforeEach(async () => {
  t = await createTestBroker({ maxMessageBytes: 1_000 });
});
afterEach(() => t.close());

describe('send: bad input gets a typed error and nothing is sent', () => {
  it('refuses unserializable payloads (cycle, BigInt, undefined, function)', async () => {
    const q = t.broker.queue('q');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const payload of [cyclic, { n: 10n }, undefined, () => 1]) {
      await expect(q.send(payload)).rejects.toBeInstanceOf(SerializationError);
    }
    expect(t.sent('q')).toEqual([]);
  });

  it('refuses a payload over the size limit before any network call', async () => {
    const q = t.broker.queue('q');
    const error = await q.send({ text: 'x'.repeat(2_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toMatchObject({ limitBytes: 1_000 });
    // Attributes count toward the size, as they do on SQS.
    await expect(q.send('small', { attributes: { big: 'y'.repeat(1_000) } })).rejects.toBeInstanceOf(
      MessageTooLargeError,
    );
    expect(t.sent('q')).toEqual([]);
  });

  it('refuses schema-invalid payloads with the schema issues', async () => {
    const q = t.broker.queue('emails', { schema: z.object({ to: z.email() }) });
    const error = (await q.send({ to: 'not-an-email' }).catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues[0]?.path).toEqual(['to']);
    expect(t.sent('emails')).toEqual([]);
    await q.send({ to: 'a@b.co' });
    expect(t.sent('emails').map((j) => j.payload)).toEqual([{ to: 'a@b.co' }]);
  });

  it('refuses bad attributes and options', async () => {
    const q = t.broker.queue('q');
    await expect(q.send(1, { attributes: { 'pq-id': 'x' } })).rejects.toThrow(/reserved/);
    await expect(q.send(1, { attributes: { n: 5 as unknown as string } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(q.send(1, { delay: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(q.send(1, { delay: 5, notBefore: Date.now() })).rejects.toBeInstanceOf(ValidationError);
    await expect(q.send(1, { notBefore: new Date('nope') })).rejects.toBeInstanceOf(ValidationError);
    await expect(q.send(1, { orderingKey: '' })).rejects.toBeInstanceOf(ValidationError);
    expect(t.sent('q')).toEqual([]);
  });

  it('sendBatch fails bad items alone, in input order', async () => {
    const q = t.broker.queue('q', { schema: z.number() });
    const results = await q.sendBatch([
      { payload: 1 },
      { payload: 'two' as unknown as number },
      { payload: 3 },
      { payload: 4, options: { delay: -5 } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false]);
    expect(results[1]).toMatchObject({ ok: false, error: expect.any(ValidationError) });
    expect(t.sent('q').map((j) => j.payload)).toEqual([1, 3]);
    expect(t.sent('q').map((j) => j.id)).toEqual([results[0], results[2]].map((r) => (r?.ok ? r.id : '')));
  });

  it('rejects ordering and dedup where the adapter does not declare them, instead of ignoring them', async () => {
    const driver = fakeDriver({ ordering: false, dedup: false });
    const broker = await connect({ driver });
    const q = broker.queue('q');
    await expect(q.send(1, { orderingKey: 'k' })).rejects.toBeInstanceOf(UnsupportedFeatureError);
    await expect(q.send(1, { dedupId: 'd' })).rejects.toThrow(/dedup/);
    expect(driver.sent).toEqual([]);
    await broker.close();
  });

  it('fails with QueueNotFoundError on a missing queue when provisioning is off', async () => {
    const other = await t.connect({ provision: false });
    await expect(other.queue('never-created').send(1)).rejects.toBeInstanceOf(QueueNotFoundError);
    expect(t.sent('never-created')).toEqual([]);
    await other.close();
  });
});
