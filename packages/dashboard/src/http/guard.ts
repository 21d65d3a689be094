import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

export interface GuardSettings {
  /** The token every mutation needs (the configured one, or the per-process one). */
  readonly token: string;
  /** True when reads need the token too (a token was configured). */
  readonly readsNeedToken: boolean;
  readonly readOnly: boolean;
  readonly trustedOrigins: ReadonlySet<string>;
}

/**
 * Who may do what. Reads need the token when one was configured. Mutations are POSTs only, with
 * the token in `Authorization` (a cross-site form cannot set that header, a cross-site fetch
 * cannot send it without a CORS grant this server never gives) and, when the browser says where
 * the request comes from, an `Origin` equal to the page's own: a second, independent CSRF check.
 */
export function checkRead(req: IncomingMessage, settings: GuardSettings): void {
  if (settings.readsNeedToken && !hasToken(req, settings.token))
    throw new HttpError(401, 'this dashboard needs its token: Authorization: Bearer <token>');
}

export function checkMutation(req: IncomingMessage, settings: GuardSettings): void {
  if (settings.readOnly) throw new HttpError(403, 'this dashboard is read-only');
  if (req.method !== 'POST') throw new HttpError(405, 'mutations are POST requests');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req) && !settings.trustedOrigins.has(origin))
    throw new HttpError(
      403,
      `a mutation from origin ${JSON.stringify(origin)} is refused (cross-site request)`,
    );
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    throw new HttpError(403, 'a cross-site mutation is refused');
  if (!hasToken(req, settings.token))
    throw new HttpError(401, 'a mutation needs the dashboard token: Authorization: Bearer <token>');
}

function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(header);
  if (match === null) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  // Constant time: the comparison must not tell how many leading characters were right.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The origin the browser loaded the page from, as this request's Host names it. */
function ownOrigin(req: IncomingMessage): string {
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  const forwarded = req.headers['x-forwarded-proto'];
  const scheme =
    typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? ''}`;
}
