/** Requests to a dashboard from Node, as a script (or an attacker's server) would send them. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

export async function call(
  url: string,
  options: {
    method?: string;
    token?: string;
    origin?: string;
    body?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  if (options.origin !== undefined) headers.Origin = options.origin;
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The token a page of the dashboard's own origin gets from api/session (no token configured). */
export async function sessionToken(base: string): Promise<string> {
  const answer = await call(`${base}api/session`);
  return (answer.json as { token: string }).token;
}
