import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeBroker, RecentErrors } from './api/broker-info.js';
import { QUEUE_ROUTE, routeQueueAction } from './api/queue-actions.js';
import { QueueSampler } from './api/queue-sampler.js';
import type { InfoResponse, QueuesResponse, SessionResponse } from './api/wire.js';
import { checkMutation, checkRead, type GuardSettings } from './http/guard.js';
import { HttpError } from './http/http-error.js';
import { sendError, sendJson } from './http/respond.js';
import { setSecurityHeaders } from './http/security-headers.js';
import { serveUiFile } from './http/static-files.js';
import { type DashboardOptions, resolveOptions } from './options.js';

/**
 * A plain Node request handler, as `http.createServer`, Express (`app.use(path, handler)`),
 * Fastify and Hono's node server take it. `close()` stops its background reading of the broker
 * (it does not close the broker: that is the caller's).
 */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  close(): Promise<void>;
}

export function createDashboard(options: DashboardOptions): DashboardHandler {
  const settings = resolveOptions(options);
  const { broker, basePath } = settings;
  const guard: GuardSettings = {
    // Without a configured token, mutations still need one: made here, handed only to pages of
    // this origin (GET api/session), so a cross-site page can neither read nor guess it.
    token: settings.token ?? randomBytes(24).toString('base64url'),
    readsNeedToken: settings.token !== undefined,
    readOnly: settings.readOnly,
    trustedOrigins: settings.trustedOrigins,
  };
  const sampler = new QueueSampler(broker, settings.queues, settings.refreshMs);
  const errors = new RecentErrors(broker);

  async function route(req: IncomingMessage, res: ServerResponse, path: string, params: URLSearchParams) {
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (!path.startsWith('/api/')) {
      if (!reading) throw new HttpError(405, 'the UI is read with GET');
      return serveUiFile(res, path, method === 'HEAD');
    }
    if (path === '/api/session') {
      if (!reading) throw new HttpError(405, 'GET only');
      const session: SessionResponse = {
        readOnly: settings.readOnly,
        tokenRequired: guard.readsNeedToken,
        // Same-origin pages only can read this (no CORS): the CSRF token of a token-less dashboard.
        ...(guard.readsNeedToken || settings.readOnly ? {} : { token: guard.token }),
      };
      return sendJson(res, 200, session);
    }
    if (reading) checkRead(req, guard);
    else checkMutation(req, guard);
    if (path === '/api/info' && reading) {
      const snapshot = await sampler.snapshot();
      const info: InfoResponse = {
        broker: describeBroker(broker),
        readOnly: settings.readOnly,
        refreshMs: settings.refreshMs,
        health: snapshot.health,
        errors: errors.list(),
      };
      return sendJson(res, 200, info);
    }
    if (path === '/api/queues' && reading) {
      const snapshot = await sampler.snapshot();
      const queues: QueuesResponse = {
        ...snapshot,
        fields: broker.capabilities.stats,
        refreshMs: settings.refreshMs,
      };
      return sendJson(res, 200, queues);
    }
    const match = QUEUE_ROUTE.exec(path);
    if (match === null) throw new HttpError(404, `no API route ${method} ${path}`);
    return routeQueueAction(req, res, { broker, sampler }, match, params);
  }

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    setSecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const original = new URL(
      (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      'http://dashboard.invalid',
    );
    // Mounted by a framework that strips the prefix (Express) or not (node:http, Fastify's raw).
    let path = url.pathname;
    if (basePath !== '' && (path === basePath || path.startsWith(`${basePath}/`)))
      path = path.slice(basePath.length);
    // The page's assets and API are relative to it: it must be served at ".../", not "...".
    if (path === '' || (path === '/' && !original.pathname.endsWith('/'))) {
      res.writeHead(308, { Location: `${original.pathname}/${original.search}` });
      res.end();
      return;
    }
    route(req, res, path, url.searchParams).catch((error: unknown) => {
      if (
        error instanceof HttpError &&
        error.status === 404 &&
        next !== undefined &&
        !path.startsWith('/api/')
      )
        return next();
      sendError(res, error);
    });
  }) as DashboardHandler;
  handler.close = async () => {
    errors.close();
    await sampler.close();
  };
  return handler;
}
