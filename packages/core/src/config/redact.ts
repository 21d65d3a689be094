/**
 * Credentials must never reach an error message, a log line or `util.inspect` output. Everything
 * that prints a URL goes through here.
 */
const MASK = '***';

/** Query or connection-string parameters whose value is a credential. */
export const SECRET_PARAM = /key|secret|token|password|sas|credential|signature/i;

/**
 * Masks the credentials of a queue URL or connection string: the password (or a lone username,
 * which some services use as the key), and every secret-looking parameter, whether it follows
 * `?`/`&` (URLs) or `;` (Azure connection strings). Safe on text that is not a URL at all.
 */
export function redactUrl(target: string | URL): string {
  let url: URL | undefined;
  if (typeof target !== 'string') url = target;
  else {
    try {
      url = new URL(target);
    } catch {
      url = undefined;
    }
  }
  if (url === undefined || url.href.includes(';')) return redactCredentials(String(target));
  const copy = new URL(url.href);
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) copy.searchParams.set(name, MASK);
  }
  if (copy.password) copy.password = MASK;
  else if (copy.username) copy.username = MASK;
  return copy.href;
}

/** Masks credentials inside free text: `//user:pass@` and secret-looking `name=value` pairs. */
export function redactCredentials(text: string): string {
  return text
    .replace(/\/\/[^/@?#;]*@/g, `//${MASK}@`)
    .replace(/([?&;\s]([^=&;\s]*)=)([^&;#\s]*)/g, (match, prefix: string, name: string) =>
      SECRET_PARAM.test(name) ? `${prefix}${MASK}` : match,
    )
    .replace(/^(\s*([^=&;?/]*)=)([^&;#]*)/, (match, prefix: string, name: string) =>
      SECRET_PARAM.test(name) ? `${prefix}${MASK}` : match,
    );
}
