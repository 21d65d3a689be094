import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** The nats-server the suites run against (scripts/services.sh up nats). */
export const NATS_HOST = '127.0.0.1:4222';
export const NATS_URL = `nats://${NATS_HOST}`;

/** A stream prefix no other run uses: every stream of this run starts with it. */
export function runPrefix(label: string): string {
  return `pqt-${label}-${randomBytes(3).toString('hex')}`;
}

/** A plain connection, as a native client would open; fails loudly when the server is absent. */
export async function rawConnection(): Promise<NatsConnection> {
  try {
    return await connect({ servers: NATS_HOST, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  } catch (error) {
    throw new Error(
      `nats-server with JetStream is not reachable at ${NATS_HOST} (${String(error)}). Start it: scripts/services.sh up nats`,
      { cause: error },
    );
  }
}

/** Deletes every stream whose name starts with `${prefix}_` (best effort). */
export async function deleteStreams(prefix: string): Promise<number> {
  const nc = await rawConnection();
  try {
    const jsm = await jetstreamManager(nc);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(`${prefix}_`)) names.push(name);
    await Promise.allSettled(names.map((name) => jsm.streams.delete(name)));
    return names.length;
  } finally {
    await nc.close();
  }
}
