import type { Broker } from '@polyqueue/core';
import { ConfigError } from '@polyqueue/core';

export interface DashboardOptions {
  /** The broker to show. Its own `toJSON()` (credentials masked) is all the browser learns of it. */
  readonly broker: Broker;
  /**
   * Shared secret. When set, every API request needs `Authorization: Bearer <token>` (the page
   * asks for it once per tab). When absent, reads are open and mutations need the per-process
   * token the page fetches from the same origin: fine on loopback, not on a shared network.
   */
  readonly token?: string;
  /** Hide and refuse every mutation (redrive, purge, send). */
  readonly readOnly?: boolean;
  /** The path prefix the handler is mounted under, e.g. "/admin/queues". Default "". */
  readonly basePath?: string;
  /**
   * Queues to show besides those `broker.queues()` lists (and instead of them on a broker that
   * cannot list).
   */
  readonly queues?: readonly string[];
  /** How often the broker is asked for counts while a page is open; default 2000, at least 500. */
  readonly refreshMs?: number;
  /** Origins allowed to POST besides the page's own (a reverse proxy that rewrites Host). */
  readonly trustedOrigins?: readonly string[];
}

export interface ResolvedOptions {
  readonly broker: Broker;
  readonly token: string | undefined;
  readonly readOnly: boolean;
  readonly basePath: string;
  readonly queues: readonly string[];
  readonly refreshMs: number;
  readonly trustedOrigins: ReadonlySet<string>;
}

export const DEFAULT_REFRESH_MS = 2_000;
const MIN_REFRESH_MS = 500;
/** Shorter tokens are guessable by anyone who can reach the port. */
export const MIN_TOKEN_LENGTH = 16;

export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  const { broker, token } = options;
  if (broker === undefined || typeof broker.queue !== 'function')
    throw new ConfigError('createDashboard needs { broker }: a Broker from connect()');
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new ConfigError(`The dashboard token must be at least ${MIN_TOKEN_LENGTH} characters`);
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  if (!Number.isFinite(refreshMs) || refreshMs < MIN_REFRESH_MS)
    throw new ConfigError(`refreshMs must be at least ${MIN_REFRESH_MS}, got ${refreshMs}`);
  return {
    broker,
    token,
    readOnly: options.readOnly === true,
    basePath: normalizeBasePath(options.basePath ?? ''),
    queues: [...new Set(options.queues ?? [])],
    refreshMs,
    trustedOrigins: new Set(options.trustedOrigins ?? []),
  };
}

/** "" or "/a/b": a leading slash, no trailing one. */
function normalizeBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(trimmed))
    throw new ConfigError(`basePath "${path}" must be a URL path starting with "/"`);
  return trimmed;
}
