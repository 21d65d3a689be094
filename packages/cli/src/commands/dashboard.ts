import { isLoopback, serveDashboard } from '@polyqueue/dashboard';
import { UsageError } from '../exit-codes.js';
import type { Session } from '../session.js';

export interface DashboardFlags {
  readonly port: string;
  readonly host: string;
  readonly token?: string;
  readonly readOnly?: boolean;
  readonly queue: readonly string[];
}

/**
 * Serves the web dashboard until Ctrl-C (or SIGTERM). Loopback only unless a token is given: the
 * page shows payloads and can purge. Checked before connecting, so a refused start costs nothing.
 */
export async function dashboard(session: Session, flags: DashboardFlags): Promise<void> {
  const token = flags.token ?? (process.env.POLYQUEUE_DASHBOARD_TOKEN || undefined);
  if (!isLoopback(flags.host) && token === undefined)
    throw new UsageError(
      `--host ${flags.host} is reachable from other machines: give --token (or POLYQUEUE_DASHBOARD_TOKEN)`,
    );
  if (token !== undefined && token.length < 16)
    throw new UsageError('the dashboard token must be at least 16 characters');
  const port = parsePort(flags.port);
  const broker = await session.broker();
  const served = await serveDashboard({
    broker,
    host: flags.host,
    port,
    readOnly: flags.readOnly === true,
    queues: flags.queue,
    ...(token === undefined ? {} : { token }),
  });
  const { out } = session;
  out.record({ url: served.url, adapter: broker.adapter, readOnly: flags.readOnly === true });
  out.line(`polyqueue dashboard for ${broker.toJSON().url}`);
  out.line(`  ${served.url}${token === undefined ? '' : '  (sign in with your token)'}`);
  if (flags.readOnly === true) out.line('  read-only: no redrive, purge or send');
  out.info('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await served.close();
}

/** 0 to 65535; 0 lets the system pick a free port (printed in the URL). */
function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535)
    throw new UsageError(`--port "${text}" is not a port (0-65535)`);
  return Number(text);
}
