import type { Session } from '../session.js';

/** What an error code says about the connection, in the words an operator acts on. */
const VERDICTS: Readonly<Record<string, string>> = {
  Unavailable: 'unreachable',
  DeadlineExceeded: 'no answer in time',
  PermissionDenied: 'credentials refused or permission missing',
};

/**
 * Which adapter the URL picks, what it can do, and whether the broker answers. Some clients
 * connect lazily (SQS, Pub/Sub): `connect()` then resolves without a word to the broker, so the
 * check is `checkConnection()`, a round trip with the URL's credentials. A failure is printed as
 * one line by main (exit 1), led by its verdict: unreachable, or credentials refused or a
 * permission missing (the broker's own words after it say which).
 */
export async function inspect(session: Session): Promise<void> {
  const { out } = session;
  const broker = await session
    .broker()
    .then(async (connected) => {
      await connected.checkConnection();
      return connected;
    })
    .catch((error: unknown) => {
      throw notConnected(error);
    });
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

/** The error, its message led by the verdict; code and cause kept for main and --verbose. */
function notConnected(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const verdict = typeof code === 'string' ? VERDICTS[code] : undefined;
  if (verdict === undefined || !(error instanceof Error)) return error;
  return Object.assign(new Error(`not connected, ${verdict}: ${error.message}`, { cause: error }), { code });
}
