import { inspect } from 'node:util';
import { PolyqueueError } from '../errors/polyqueue-error.js';
import type { Logger } from '../runtime/logger.js';
import { SECRET_PARAM } from './redact.js';

const MASK = '***';

/**
 * The credentials a URL carries: its password (or lone user name) and its secret-looking query
 * parameters. Redaction by value, not only by position, is what keeps them out of native errors
 * and log lines that quote them in ways no URL parser would recognise. An adapter adds what only
 * it knows through `AdapterModule.secrets`.
 */
export function secretsOf(target: string): string[] {
  const secrets: string[] = [];
  const userinfo = /\/\/([^/@?#\s]*)@/.exec(target)?.[1];
  if (userinfo) {
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : userinfo;
    secrets.push(password, safeDecode(password));
  }
  for (const [, name, value] of target.matchAll(/(?:^|[?&])\s*([^=&?/]+)=([^&#]*)/g)) {
    if (SECRET_PARAM.test(name!)) secrets.push(value!, safeDecode(value!));
  }
  return [...new Set(secrets.filter((s) => s.length >= 3))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Returns the error itself when it shows no secret, else a copy with every secret masked. A
 * polyqueue error keeps its class (callers test `instanceof BrokerError`); a native one becomes a
 * plain Error with its name, message, stack and code.
 */
export function sanitizeError<E>(error: E, secrets: readonly string[]): E {
  if (secrets.length === 0 || !(error instanceof Error)) return error;
  const shown = inspect(error, { depth: 4 });
  if (!secrets.some((secret) => shown.includes(secret))) return error;
  if (error instanceof PolyqueueError) return sameClassCopy(error, secrets) as E;
  const copy = new Error(redactText(error.message, secrets));
  copy.name = error.name;
  copy.stack = redactText(error.stack ?? '', secrets);
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy as E;
}

/** Our own error classes hold public fields only, so a copy of their own properties is faithful. */
function sameClassCopy(error: PolyqueueError, secrets: readonly string[]): PolyqueueError {
  const copy = Object.create(Object.getPrototypeOf(error)) as PolyqueueError;
  for (const key of Reflect.ownKeys(error)) {
    const descriptor = Object.getOwnPropertyDescriptor(error, key)!;
    if ('value' in descriptor) {
      const value: unknown = descriptor.value;
      if (typeof value === 'string') descriptor.value = redactText(value, secrets);
      else if (key === 'cause') descriptor.value = sanitizeError(value, secrets);
    }
    Object.defineProperty(copy, key, descriptor);
  }
  return copy;
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
