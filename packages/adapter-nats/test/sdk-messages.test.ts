import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../src/nats-client.js';
import { natsErrorCode } from '../src/nats-errors.js';
import { SdkClient } from '../src/sdk-client.js';
import { deleteStreams, rawConnection, runPrefix } from './nats-server.js';

const prefix = runPrefix('msgs');
const stream = `${prefix}_S`;
const subject = `${prefix}.s`;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await rawConnection();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject] });
  await jsm.consumers.add(stream, { durable_name: 'c', ack_policy: AckPolicy.Explicit });
});

afterAll(async () => {
  await nc.close().catch(() => undefined);
  await deleteStreams(prefix);
}, 30_000);

describe('a delivered message read from its bytes', () => {
  it('has the headers, sequence, delivery count and time the SDK decodes', async () => {
    const js = jetstream(nc);
    const cases: [string, string][][] = [
      [
        ['pq-id', 'job-1'],
        ['pq-enqueued-at', '1764835200000'],
      ],
      [
        ['tenant', 'zürich ✓'], // UTF-8
        ['note', 'a: b:c'], // a colon inside the value
        ['Mixed-Case', 'kept as written'],
      ],
      [
        ['twice', 'first'],
        ['twice', 'second'], // the first value, as headers.get() gives it
      ],
      [], // no headers at all
    ];
    for (const headers of cases) {
      const hdrs = natsHeaders();
      for (const [name, value] of headers) hdrs.append(name, value);
      await js.publish(subject, new TextEncoder().encode('{}'), headers.length ? { headers: hdrs } : {});
    }
    const client = await SdkClient.create(nc, 5_000);
    const pull = await client.pull(stream, 'c', { maxMessages: cases.length, expiresMs: 2_000 });
    const received: ReceivedMessage[] = [];
    for (let message = await pull.next(); message !== undefined; message = await pull.next())
      received.push(message);
    expect(received).toHaveLength(cases.length);
    for (const message of received) {
      const native = message.native as JsMsg;
      const sdkHeaders: Record<string, string> = {};
      for (const [name, values] of native.headers ?? []) sdkHeaders[name] = values[0]!;
      expect(message.headers).toEqual(sdkHeaders);
      expect(message.streamSequence).toBe(native.info.streamSequence);
      expect(message.deliveryCount).toBe(native.info.deliveryCount);
      expect(message.storedAt).toBe(native.info.timestampNanos / 1_000_000);
      message.ack();
    }
    expect(received.map((m) => m.headers)).toEqual([
      { 'pq-id': 'job-1', 'pq-enqueued-at': '1764835200000' },
      { tenant: 'zürich ✓', note: 'a: b:c', 'Mixed-Case': 'kept as written' },
      { twice: 'first' },
      {},
    ]);
  });
});

describe('a pull the server never answers', () => {
  it('fails (NatsPullUnansweredError, Unavailable) once it is past its expiry: nats-server is silent on a missing consumer', async () => {
    const client = await SdkClient.create(nc, 5_000);
    const pull = await client.pull(stream, 'no-such-consumer', { maxMessages: 1, expiresMs: 100 });
    const error = await pull.next().catch((e: unknown) => e);
    expect((error as Error).name).toBe('NatsPullUnansweredError');
    expect(natsErrorCode(error)).toBe('Unavailable');
  });
});
