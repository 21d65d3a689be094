import type { Session } from '../session.js';

/**
 * The queues polyqueue provisioned on the broker, one per line (JSON: `{ "queue": name }` each).
 * A broker that cannot list fails with the adapter's UnsupportedFeatureError, exit 1.
 */
export async function queues(session: Session): Promise<void> {
  const { out } = session;
  const names = await (await session.broker()).queues();
  for (const queue of names) {
    out.record({ queue });
    out.line(queue);
  }
  if (names.length === 0) out.line('no queues');
}
