/**
 * Credentials must never reach an error message, a log line or `util.inspect` output. Everything
 * that prints a URL goes through here.
 */
const MASK = '***';

export function redactUrl(url: URL): string {
  if (!url.username && !url.password) return stripSecretParams(url).href;
  const copy = stripSecretParams(url);
  if (copy.password) copy.password = MASK;
  else if (copy.username) copy.username = MASK;
  return copy.href;
}

/** For strings that did not even parse as a URL: mask anything between "//" and "@". */
export function redactUnparsed(text: string): string {
  return text
    .replace(/\/\/[^/@?#]*@/, `//${MASK}@`)
    .replace(/([?&][^=&]*(?:key|secret|token|password)[^=&]*=)[^&#]*/gi, `$1${MASK}`);
}

const SECRET_PARAM = /key|secret|token|password|sas|credential/i;

function stripSecretParams(url: URL): URL {
  const copy = new URL(url.href);
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) copy.searchParams.set(name, MASK);
  }
  return copy;
}
