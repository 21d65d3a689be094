import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CUT_MARK } from '../src/dead-letter-copy.js';
import { queueNames } from '../src/nats-names.js';
import { sdkHeaderBytes } from './fake-client.js';
import { PrivateNatsServer } from './private-nats-server.js';

/** Small, so that a message at the limit is quick to make and move. */
const MAX_PAYLOAD = 64 * 1024;
/** Bound on the wait for the dead letter: far above one failed delivery plus one copy. */
const DEADLINE_MS = 20_000;

let server: PrivateNatsServer;

beforeAll(async () => {
  server = await PrivateNatsServer.start({ config: [`max_payload: ${MAX_PAYLOAD}`] });
});

afterAll(async () => {
  await server?.stop();
});

/**
 * Exactly at max_payload, no header can be added: the body moves to the body stream and the
 * dead letter is the whole record. A little below, the record fits once its stack is cut.
 */
it.each([
  { case: 'exactly at max_payload: body by reference, record whole', below: 0, split: true },
  { case: '1,500 bytes below max_payload: body inline, error stack cut', below: 1_500, split: false },
])(
  'a foreign message $case, failing its handler, ends in the dead-letter queue with its error, peekable',
  async ({ below, split }) => {
    const prefix = `pqt${below}`;
    const broker: Broker = await connect(`${server.url}?stream_prefix=${prefix}`);
    const backgroundErrors: string[] = [];
    broker.on('error', (error, info) => backgroundErrors.push(`${info.action}: ${error.message}`));
    const raw = await natsConnect({ servers: server.hostPort });
    try {
      const queue = broker.queue<{ pad: string }>('big', { maxAttempts: 1 });
      await queue.provision();
      expect(broker.capabilities.maxMessageBytes).toBe(MAX_PAYLOAD - 8 * 1024);

      // A plain producer's message: its header block plus its body come to the size under test.
      const hdrs = natsHeaders();
      hdrs.set('source', 'legacy');
      const room = MAX_PAYLOAD - below - sdkHeaderBytes({ source: 'legacy' });
      const body = new TextEncoder().encode(`{"pad":"${'p'.repeat(room - 10)}"}`);
      expect(body.length + sdkHeaderBytes({ source: 'legacy' })).toBe(MAX_PAYLOAD - below);
      await jetstream(raw).publish(queueNames(prefix, 'big').subject, body, { headers: hdrs });

      // The longest error core records (it keeps 1,000 characters of a message, 2,000 of a stack).
      const message = `rejected: ${'e'.repeat(MAX_PAYLOAD)}`;
      const worker = queue.process(() => {
        throw new Error(message);
      });
      const workerErrors: string[] = [];
      worker.on('error', (error) => workerErrors.push(error.message));

      const started = Date.now();
      let letters = await queue.deadLetters.peek();
      while (letters.length === 0 && Date.now() - started < DEADLINE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        letters = await queue.deadLetters.peek();
      }
      await worker.close({ timeoutMs: 5_000 });

      expect(workerErrors, 'the dead-letter copy failed').toEqual([]);
      expect(letters).toHaveLength(1);
      const [letter] = letters;
      expect(letter!.body).toEqual(body);
      expect(letter!.payload?.pad).toHaveLength(room - 10);
      expect(letter!.attributes).toEqual({ source: 'legacy' });
      expect(letter!.record).toMatchObject({
        reason: 'failed',
        errorName: 'Error',
        attempts: 1,
        sourceQueue: 'big',
      });
      const record = letter!.record!;
      expect(record.errorMessage.length).toBeGreaterThan(900);
      expect(message.startsWith(record.errorMessage.replace(/…$/, ''))).toBe(true);
      if (split) expect(record.errorStack?.endsWith(CUT_MARK)).toBe(false);
      else expect(record.errorStack?.endsWith(CUT_MARK)).toBe(true);
      expect(record.errorStack?.startsWith('Error: rejected: eee')).toBe(true);
      // It left the work stream: nothing ready, nothing in flight.
      expect(await queue.stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
      // Redrive puts it back, whole, and leaves neither the record nor a stored body behind.
      expect(await queue.deadLetters.redrive()).toBe(1);
      expect(await queue.deadLetters.peek()).toEqual([]);
      expect(await queue.stats()).toMatchObject({ ready: 1, deadLettered: 0 });
      expect(backgroundErrors).toEqual([]);
    } finally {
      await raw.close().catch(() => undefined);
      await broker.close({ timeoutMs: 5_000 }).catch(() => undefined);
    }
  },
  60_000,
);
