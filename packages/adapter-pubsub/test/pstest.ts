import { createConnection } from 'node:net';
import { PubSub, v1 } from '@google-cloud/pubsub';

/** Where `scripts/services.sh up pstest` runs Google's Pub/Sub fake. */
export const PSTEST_HOST = '127.0.0.1:8085';

// The SDK would otherwise probe for a GCE metadata server to find credentials.
process.env.METADATA_SERVER_DETECTION ??= 'none';

/** Throws a clear error when the fake is not running, naming how to start it. */
export async function requirePstest(): Promise<void> {
  const [host, port] = PSTEST_HOST.split(':') as [string, string];
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port: Number(port) });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (!reachable) {
    throw new Error(
      `The Pub/Sub fake (pstest) is not reachable on ${PSTEST_HOST}: start it with scripts/services.sh up pstest`,
    );
  }
}

/** A client of the fake for one project (the tests use one project per run, then delete it). */
export function pstestClient(projectId: string): PubSub {
  return new PubSub({ projectId, apiEndpoint: PSTEST_HOST });
}

/** Best-effort: deletes every subscription and topic of the project (the fake keeps them otherwise). */
export async function deleteProject(projectId: string): Promise<void> {
  const pubsub = pstestClient(projectId);
  try {
    const [subscriptions] = await pubsub.getSubscriptions();
    // pstest panics (and dies) deleting a subscription whose topic was deleted: leave those.
    const deletable = subscriptions.filter(
      (subscription) => subscription.metadata?.topic !== '_deleted-topic_',
    );
    await Promise.all(deletable.map((subscription) => subscription.delete().catch(() => undefined)));
    const [topics] = await pubsub.getTopics();
    await Promise.all(topics.map((topic) => topic.delete().catch(() => undefined)));
  } finally {
    await pubsub.close();
  }
}

/** Pulls one message as a plain Pub/Sub consumer would, and acknowledges it. */
export async function pullOne(
  pubsub: PubSub,
  subscription: string,
  tries = 40,
): Promise<{ data: Buffer; attributes: Record<string, string> } | undefined> {
  const client = new v1.SubscriberClient((await pubsub.getClientConfig()) as never);
  const path = `projects/${pubsub.projectId}/subscriptions/${subscription}`;
  try {
    for (let i = 0; i < tries; i++) {
      const [response] = await client.pull({ subscription: path, maxMessages: 1, returnImmediately: true });
      const received = response.receivedMessages?.[0];
      if (received?.message) {
        await client.acknowledge({ subscription: path, ackIds: [received.ackId ?? ''] });
        return {
          data: Buffer.from(received.message.data ?? new Uint8Array(0)),
          attributes: { ...(received.message.attributes ?? {}) },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  } finally {
    await client.close();
  }
}
