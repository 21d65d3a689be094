import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsErrorCode } from '../src/nats-errors.js';
import { SdkPublisher, toMsgHdrs } from '../src/sdk-publish.js';
import { deleteStreams, rawConnection, runPrefix } from './nats-server.js';

const prefix = runPrefix('pub');
const stream = `${prefix}_S`;
const subject = `${prefix}.s`;
const body = new TextEncoder().encode('{}');
let nc: NatsConnection;

beforeAll(async () => {
  nc = await rawConnection();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject], duplicate_window: 60_000_000_000 });
});

afterAll(async () => {
  await nc.close().catch(() => undefined);
  await deleteStreams(prefix);
}, 30_000);

describe('SdkPublisher (confirmed publishes made by hand)', () => {
  it('resolves with the PubAck: sequence, and duplicate for a repeated Nats-Msg-Id', async () => {
    const publisher = new SdkPublisher(nc, 5_000);
    const first = await publisher.publish(subject, body, toMsgHdrs({ a: '1' }, 'm-1'));
    const again = await publisher.publish(subject, body, toMsgHdrs({ a: '1' }, 'm-1'));
    const other = await publisher.publish(subject, body, toMsgHdrs({}));
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    expect(other).toEqual({ seq: first.seq + 1, duplicate: false });
    const stored = await (await jetstreamManager(nc)).streams.getMessage(stream, { seq: first.seq });
    expect(stored?.header.get('a')).toBe('1');
    expect(stored?.header.get('Nats-Msg-Id')).toBe('m-1');
  });

  it('rejects a publish no stream takes as js.publish does (JetStreamNotEnabled, Unavailable)', async () => {
    const error = await new SdkPublisher(nc, 5_000)
      .publish(`${prefix}.nobody`, body, toMsgHdrs({}))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('JetStreamNotEnabled');
    expect(natsErrorCode(error)).toBe('Unavailable');
  });

  it('rejects with TimeoutError (DeadlineExceeded) when no answer comes within the timeout', async () => {
    // A plain subscriber takes the subject and never answers.
    const silent = `${prefix}.silent`;
    const sub = nc.subscribe(silent, { callback: () => undefined });
    await nc.flush();
    const started = Date.now();
    const error = await new SdkPublisher(nc, 200)
      .publish(silent, body, toMsgHdrs({}))
      .catch((e: unknown) => e);
    sub.unsubscribe();
    expect(natsErrorCode(error)).toBe('DeadlineExceeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('refuses a header NATS cannot carry before anything is sent (InvalidArgument)', () => {
    for (const [name, value] of [
      ['ok', 'two\r\nForged: yes'],
      ['with space', 'x'],
      ['with:colon', 'x'],
    ] as const)
      expect(natsErrorCode(catching(() => toMsgHdrs({ [name]: value })))).toBe('InvalidArgument');
    expect(natsErrorCode(catching(() => toMsgHdrs({}, 'id\nx')))).toBe('InvalidArgument');
  });

  it('rejects what is pending when the connection closes, and later publishes at once', async () => {
    const own = await rawConnection();
    const silent = `${prefix}.closing`;
    own.subscribe(silent, { callback: () => undefined });
    const publisher = new SdkPublisher(own, 60_000);
    const pending = publisher.publish(silent, body, toMsgHdrs({})).catch((e: unknown) => e);
    await own.flush();
    await own.close();
    expect(natsErrorCode(await pending)).toBe('Unavailable');
    const after = await publisher.publish(subject, body, toMsgHdrs({})).catch((e: unknown) => e);
    expect(natsErrorCode(after)).toBe('Unavailable');
  });
});

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
