import type { Session } from '../session.js';

/**
 * Which adapter the URL picks, what it can do, and whether the broker answers. Some clients
 * connect lazily (SQS, Pub/Sub): `connect()` then resolves without a word to the broker, so the
 * check is `checkConnection()`, a round trip with the URL's credentials. Its error (Unavailable,
 * PermissionDenied...) is printed as one line by main, exit 1.
 */
export async function inspect(session: Session): Promise<void> {
  const { out } = session;
  const broker = await session.broker();
  await broker.checkConnection();
  const capabilities = JSON.parse(JSON.stringify(broker.capabilities)) as Record<string, unknown>;
  out.record({ adapter: broker.adapter, url: broker.toJSON().url, connected: true, capabilities });
  out.line(`adapter    ${broker.adapter}`);
  out.line(`url        ${broker.toJSON().url}`);
  out.line('connected  yes');
  out.line();
  for (const [name, value] of Object.entries(capabilities)) {
    out.line(`${name.padEnd(20)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
}
