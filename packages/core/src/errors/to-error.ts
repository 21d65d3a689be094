import { inspect } from 'node:util';

/**
 * Handlers may throw anything (`throw 'oops'`, `throw { code: 1 }`). The runtime needs an Error to
 * record a name, message and stack, so a non-Error is wrapped, and kept as `cause`.
 */
export class NonErrorThrown extends Error {
  override get name(): string {
    return 'NonErrorThrown';
  }
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  const described = typeof value === 'string' ? value : inspect(value, { depth: 2, breakLength: Infinity });
  return new NonErrorThrown(`Handler threw a non-Error value: ${described}`, { cause: value });
}
