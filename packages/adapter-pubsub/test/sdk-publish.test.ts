import { randomBytes } from 'node:crypto';
import { Topic, v1 } from '@google-cloud/pubsub';
import { afterAll, describe, expect, it } from 'vitest';
import { SdkPubSubApi } from '../src/sdk-client.js';
import { deleteProject, pstestClient, pullOne, requirePstest } from './pstest.js';

await requirePstest();

const project = `pqt-${randomBytes(4).toString('hex')}`;
afterAll(() => deleteProject(project));

function api() {
  return new SdkPubSubApi(pstestClient(project), { ownsClient: true, apiTimeoutMs: 10_000 });
}

const message = (n: number, attributes: Record<string, string> = { 'pq-id': `id-${n}` }) => ({
  data: Buffer.from(`{"n":${n}}`),
  attributes,
});

describe('pubsub on pstest: SdkPubSubApi.publish (the SDK callback form)', () => {
  it('answers one outcome per message, in order, each with its own message id', async () => {
    const client = api();
    try {
      await client.createTopic('published');
      const outcomes = await client.publish(
        'published',
        Array.from({ length: 5 }, (_, n) => message(n)),
      );
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true]);
      const ids = outcomes.map((outcome) => (outcome.ok ? outcome.id : ''));
      expect(new Set(ids).size).toBe(5);
      expect(ids.every((id) => id.length > 0)).toBe(true);
    } finally {
      await client.close({ flush: true });
    }
  });

  it('fails only the message the SDK refuses before queueing it; the others are published', async () => {
    const client = api();
    try {
      await client.createTopic('mixed');
      // The SDK throws synchronously on a non-string attribute value.
      const bad = message(1, { 'pq-id': 42 as unknown as string });
      const outcomes = await client.publish('mixed', [message(0), bad, message(2)]);
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
      const refused = outcomes[1]!;
      expect(refused.ok ? undefined : refused.error).toBeInstanceOf(TypeError);
    } finally {
      await client.close({ flush: true });
    }
  });

  it('resolves with a failed outcome per message, not a rejection, when the topic does not exist', async () => {
    const client = api();
    try {
      const outcomes = await client.publish('missing-topic', [message(0), message(1)]);
      expect(outcomes).toHaveLength(2);
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        expect(outcome.ok ? undefined : (outcome.error as { code?: number }).code).toBe(5);
      }
    } finally {
      await client.close({ flush: false });
    }
  });

  it('hands the messages to the SDK after the ack requests scheduled in the same turn are made', async () => {
    const client = api();
    const order: string[] = [];
    const publishMessage = Topic.prototype.publishMessage;
    Topic.prototype.publishMessage = function (this: Topic, ...args: Parameters<Topic['publishMessage']>) {
      order.push('handed to the SDK');
      return publishMessage.apply(this, args);
    } as Topic['publishMessage'];
    const acknowledge = v1.SubscriberClient.prototype.acknowledge;
    v1.SubscriberClient.prototype.acknowledge = function (this: v1.SubscriberClient, ...args: unknown[]) {
      order.push('ack request made');
      return (acknowledge as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof acknowledge;
    try {
      await client.createTopic('deferred');
      await client.createSubscription('deferred', 'deferred', { ackDeadlineSeconds: 10 });
      // As the kit's Batcher flushes the acks of the deliveries settled in this turn: on a tick
      // queued from a promise job, and acknowledge then awaits its client before the request.
      let acking: Promise<void> | undefined;
      queueMicrotask(() =>
        process.nextTick(() => {
          acking = client.acknowledge('deferred', ['not-a-real-ack-id']).catch(() => undefined);
        }),
      );
      const publishing = client.publish('deferred', [message(0)]);
      order.push('publish returned');
      expect((await publishing)[0]?.ok).toBe(true);
      await acking;
      expect(order).toEqual(['publish returned', 'ack request made', 'handed to the SDK']);
    } finally {
      Topic.prototype.publishMessage = publishMessage;
      v1.SubscriberClient.prototype.acknowledge = acknowledge;
      await client.close({ flush: true });
    }
  });

  it('flushes a publish made just before a graceful close', async () => {
    const client = api();
    await client.createTopic('closing');
    await client.createSubscription('closing', 'closing', { ackDeadlineSeconds: 10 });
    const publishing = client.publish('closing', [message(7)]);
    await client.close({ flush: true });
    const [outcome] = await publishing;
    expect(outcome?.ok).toBe(true);
    const reader = pstestClient(project);
    try {
      const pulled = await pullOne(reader, 'closing');
      expect(pulled?.data.toString()).toBe('{"n":7}');
    } finally {
      await reader.close();
    }
  });

  it('answers an empty call at once', async () => {
    const client = api();
    try {
      expect(await client.publish('published', [])).toEqual([]);
    } finally {
      await client.close({ flush: false });
    }
  });
});
