import type { BackgroundError, QueueTopology, Receiver } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { queueNames } from '../src/nats-names.js';
import { DEFAULT_SETTINGS } from '../src/nats-options.js';
import { NatsReceiver } from '../src/nats-receiver.js';
import { queueContext } from '../src/queue-context.js';
import { clockAt, collecting, PullingClient, received, type ScriptedPull } from './fake-client.js';

const topology: QueueTopology = {
  name: 'emails',
  deadLetterName: 'emails.dlq',
  leaseMs: 30_000,
  maxAttempts: 5,
};

function setup() {
  const client = new PullingClient();
  const reports: BackgroundError[] = [];
  const queue = queueContext(
    { client, settings: DEFAULT_SETTINGS, clock: clockAt(0), alive: () => true, errors: collecting(reports) },
    topology,
  );
  let seq = 0;
  const feed = (pull: ScriptedPull, n: number) => {
    for (let i = 0; i < n; i++) pull.feed(received(client, { seq: ++seq }));
  };
  return { client, reports, receiver: new NatsReceiver(queue, () => () => undefined), feed };
}

const never = new AbortController().signal;

/**
 * Waits until the receiver made its pulls and waits on every open one: the state a receive
 * reaches before any message arrives, however many turns of the event loop that takes.
 * Bounded: fails after 2 s.
 */
async function listening(client: PullingClient): Promise<void> {
  const ready = () => {
    const open = client.pulls.filter((pull) => !pull.ended());
    return open.length > 0 && open.every((pull) => pull.waitedOn);
  };
  for (let i = 0; i < 400 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(ready(), 'the receiver never waited on its pulls').toBe(true);
}
const covered = (pulls: readonly ScriptedPull[]) =>
  pulls.reduce((sum, pull) => sum + pull.buffered() + pull.pending(), 0);

describe('NatsReceiver pulls', () => {
  it('makes a second pull for the room the open one does not cover, before the first is filled', async () => {
    const { client, receiver, feed } = setup();
    const first = receiver.receive(8, never);
    await listening(client);
    feed(client.pulls[0]!, 4);
    expect(await first).toHaveLength(4);
    // The worker settled those 4: its room is 8 again, of which the open pull covers 4.
    const second = receiver.receive(8, never);
    await listening(client);
    expect(client.pulls.map((pull) => pull.size)).toEqual([8, 4]);
    expect(client.pulls[0]!.pending()).toBe(4);
    feed(client.pulls[0]!, 4);
    expect(await second).toHaveLength(4);
    await receiver.close();
  });

  it('never asks for more than the room the worker has left, so held + covered stays within maxUnsettled', async () => {
    const maxUnsettled = 8;
    const { client, receiver, feed } = setup();
    let held = 0;
    const take = async (max: number, fill: (pulls: ScriptedPull[]) => void) => {
      const pending = receiver.receive(max, never);
      await listening(client);
      expect(held + covered(client.pulls)).toBeLessThanOrEqual(maxUnsettled);
      fill(client.pulls);
      held += (await pending).length;
      expect(held + covered(client.pulls)).toBeLessThanOrEqual(maxUnsettled);
    };
    await take(8, (pulls) => feed(pulls[0]!, 3));
    await take(8 - held, (pulls) => feed(pulls[0]!, 2));
    held -= 5; // all settled
    await take(8 - held, (pulls) => feed(pulls[0]!, 3));
    expect(client.pulls.map((pull) => pull.size)).toEqual([8, 5]);
    await take(8 - held, (pulls) => feed(pulls[1]!, 5));
    expect(held).toBe(8);
    await receiver.close();
  });

  it('keeps no refill threshold of its own: any room the open pulls leave uncovered is pulled for', async () => {
    const { client, receiver, feed } = setup();
    // When to call receive is the worker's refill point (ReceiveBatching); NATS states no preference.
    expect((receiver as Receiver).batching).toBeUndefined();
    const first = receiver.receive(8, never);
    await listening(client);
    feed(client.pulls[0]!, 7);
    expect(await first).toHaveLength(7);
    // The worker asks with room 2; the open pull covers 1: a pull for the other 1.
    const aborted = new AbortController();
    const next = receiver.receive(2, aborted.signal);
    await listening(client);
    expect(client.pulls.map((pull) => pull.size)).toEqual([8, 1]);
    aborted.abort();
    expect(await next).toEqual([]);
    await receiver.close();
  });

  it('hands back what arrived in every open pull on close, unstarted (republished, then acked)', async () => {
    const { client, receiver, feed } = setup();
    const first = receiver.receive(8, never);
    await listening(client);
    feed(client.pulls[0]!, 4);
    expect(await first).toHaveLength(4);
    const second = receiver.receive(8, never);
    await listening(client);
    feed(client.pulls[0]!, 4);
    expect(await second).toHaveLength(4);
    // The first pull is filled; two more messages reach the second and are never taken.
    feed(client.pulls[1]!, 2);
    const { stream, subject } = queueNames('pq', 'emails');
    await client.ensureStream({ name: stream, subject, duplicateWindowMs: 60_000 });
    client.log.length = 0;
    await receiver.close();
    expect(client.log.filter((line) => line.startsWith('ack'))).toEqual(['ack #9', 'ack #10']);
    expect(client.published).toHaveLength(2);
  });

  it('reports a hand-back that failed (release) and leaves that job unacked, to come back after AckWait', async () => {
    const { client, reports, receiver, feed } = setup();
    const first = receiver.receive(8, never);
    await listening(client);
    feed(client.pulls[0]!, 8);
    expect(await first).toHaveLength(8);
    const stop = new AbortController();
    const second = receiver.receive(8, stop.signal);
    await listening(client);
    stop.abort();
    expect(await second).toEqual([]);
    feed(client.pulls[1]!, 1); // arrives after the last receive: handed back at close
    const down = new Error('work stream unavailable');
    client.failPublishTo.set(queueNames('pq', 'emails').subject, down);
    client.log.length = 0;
    await receiver.close();
    expect(reports).toEqual([{ action: 'release', queue: 'emails', error: down }]);
    expect(client.log.filter((line) => line.startsWith('ack'))).toEqual([]);
  });
});
