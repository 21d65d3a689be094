import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '@polyqueue/core';
import { createDashboard } from './create-dashboard.js';
import type { DashboardOptions } from './options.js';

export interface ServeOptions extends Omit<DashboardOptions, 'basePath'> {
  /** Interface to listen on; default 127.0.0.1. Any other host needs a token. */
  readonly host?: string;
  /** Default 4000; 0 picks a free port. */
  readonly port?: number;
}

export interface ServedDashboard {
  /** Where the dashboard answers, e.g. "http://127.0.0.1:4000/". */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and reading the broker (the broker stays open: it is the caller's). */
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4000;

/** True for a host only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * The dashboard on its own HTTP server (`polyqueue dashboard`). Refuses to listen anywhere but
 * loopback without a token: the page shows payloads and can purge. On loopback without a token,
 * a request naming another Host is refused (a DNS-rebinding page would name its own).
 */
export async function serveDashboard(options: ServeOptions): Promise<ServedDashboard> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (!isLoopback(host) && options.token === undefined)
    throw new ConfigError(
      `The dashboard listens on ${host}, beyond this machine: give it a token (--token or POLYQUEUE_DASHBOARD_TOKEN)`,
    );
  const { host: _host, port: _port, ...dashboardOptions } = options;
  const dashboard = createDashboard(dashboardOptions);
  const guardHost = options.token === undefined;
  const server = createServer((req, res) => {
    const requested = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (guardHost && !isLoopback(requested)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('This dashboard answers to loopback host names only (no token is set).\n');
      return;
    }
    dashboard(req, res);
  });
  // Slow clients must not hold sockets for ever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/`,
    server,
    close: async () => {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
