import type { Session } from './types';

const TOKEN_KEY = 'polyqueue-dashboard-token';
/** Dispatched on window when the server refuses the token. */
export const UNAUTHORIZED = 'polyqueue-unauthorized';

/** The API's refusal or failure, with the server's message (shown as text). */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;

/**
 * A token handed over in the address (`#token=...`, as `polyqueue dashboard` prints it) is kept
 * for this tab only and removed from the address bar, so it is not left in history or shared by
 * copying the URL.
 */
export function takeTokenFromAddress(): void {
  const match = /[#&?]token=([^&]+)/.exec(location.hash);
  if (match === null) return;
  setToken(decodeURIComponent(match[1]!));
  const rest = location.hash.replace(/[?&]?token=[^&]+/, '').replace(/^#$/, '');
  history.replaceState(null, '', `${location.pathname}${location.search}${rest || '#/queues'}`);
}

export function hasToken(): boolean {
  return token !== undefined;
}

export function setToken(value: string | undefined): void {
  token = value;
  if (value === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

export async function loadSession(): Promise<Session> {
  const session = await request<Session>('GET', 'api/session');
  // A dashboard without a configured token hands its same-origin CSRF token here.
  if (session.token !== undefined) token = session.token;
  return session;
}

export function get<T>(path: string): Promise<T> {
  return request<T>('GET', path);
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return request<T>('POST', path, body);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // Relative: the dashboard may be mounted under any path prefix.
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let data: unknown;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, `unexpected answer (${response.status}): ${text.slice(0, 200)}`);
  }
  if (response.status === 401 && token !== undefined) {
    // The token was refused (changed on the server, or mistyped): forget it and ask again.
    setToken(undefined);
    dispatchEvent(new Event(UNAUTHORIZED));
  }
  if (!response.ok) {
    const message = (data as { error?: { message?: string } } | undefined)?.error?.message;
    throw new ApiError(response.status, message ?? `HTTP ${response.status}`);
  }
  return data as T;
}

export function queuePath(queue: string): string {
  return `api/queues/${encodeURIComponent(queue)}`;
}
