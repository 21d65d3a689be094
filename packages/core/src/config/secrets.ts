import { inspect } from 'node:util';
import type { Logger } from '../runtime/logger.js';

const MASK = '***';
const SECRET_PARAM = /key|secret|token|password|sas|credential/i;

/**
 * The credentials a URL carries. Redaction by value, not only by position, is what keeps them
 * out of native errors and log lines that quote them in ways no URL parser would recognise.
 */
export function secretsOf(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = [parsed.password, decodeURIComponent(parsed.password)];
  for (const [name, value] of parsed.searchParams) if (SECRET_PARAM.test(name)) secrets.push(value);
  return [...new Set(secrets.filter((s) => s.length >= 3))];
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

/** Returns the error itself when it shows no secret, else a copy with every secret masked. */
export function sanitizeError<E>(error: E, secrets: readonly string[]): E {
  if (secrets.length === 0 || !(error instanceof Error)) return error;
  const shown = inspect(error, { depth: 4 });
  if (!secrets.some((secret) => shown.includes(secret))) return error;
  const copy = new Error(redactText(error.message, secrets));
  copy.name = error.name;
  copy.stack = redactText(error.stack ?? '', secrets);
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy as E;
}

/** A logger that masks the URL's credentials in every message and detail it passes on. */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  if (secrets.length === 0) return logger;
  const clean = (detail: unknown) => {
    if (detail === undefined) return undefined;
    const text = typeof detail === 'string' ? detail : inspect(detail, { depth: 4 });
    return secrets.some((s) => text.includes(s)) ? redactText(text, secrets) : detail;
  };
  return {
    warn: (message, detail) => logger.warn(redactText(message, secrets), clean(detail)),
    error: (message, detail) => logger.error(redactText(message, secrets), clean(detail)),
  };
}
