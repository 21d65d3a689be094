/**
 * Credentials must never reach an error message, a log line or `util.inspect` output. Everything
 * that prints a URL goes through here. Core knows no broker's own connection-string format: an
 * adapter supplies those rules (`AdapterModule.recognize` and `secrets`).
 */
const MASK = '***';

/** Query parameters whose value is a credential. */
export const SECRET_PARAM = /key|secret|token|password|sas|credential|signature/i;

/**
 * Masks the credentials of a queue URL: the password (or a lone username, which some services
 * use as the key), and every secret-looking query parameter. Text that is not a URL is shown with
 * every value masked (see `redactUnparsed`).
 */
export function redactUrl(target: string | URL): string {
  let url: URL | undefined;
  if (typeof target !== 'string') url = target;
  else if (URL.canParse(target)) url = new URL(target);
  if (url === undefined) return redactUnparsed(String(target));
  const copy = new URL(url.href);
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) copy.searchParams.set(name, MASK);
  }
  if (copy.password) copy.password = MASK;
  else if (copy.username) copy.username = MASK;
  return copy.href;
}

/**
 * A text that is not a URL, safe to show: its shape stays readable, but a `//user:pass@` part and
 * every `name=value` value are masked, whatever the name, since nothing tells which are secret.
 */
export function redactUnparsed(text: string): string {
  return text.replace(/\/\/[^/@?#\s]*@/g, `//${MASK}@`).replace(/=[^&;,\s]*/g, `=${MASK}`);
}

/** Masks credentials inside free text: `//user:pass@` and secret-looking `name=value` pairs. */
export function redactCredentials(text: string): string {
  return text
    .replace(/\/\/[^/@?#\s]*@/g, `//${MASK}@`)
    .replace(/([?&\s]([^=&\s]*)=)([^&#\s]*)/g, (match, prefix: string, name: string) =>
      SECRET_PARAM.test(name) ? `${prefix}${MASK}` : match,
    )
    .replace(/^(\s*([^=&?/]*)=)([^&#\s]*)/, (match, prefix: string, name: string) =>
      SECRET_PARAM.test(name) ? `${prefix}${MASK}` : match,
    );
}
