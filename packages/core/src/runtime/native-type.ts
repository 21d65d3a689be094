import { ErrorCode } from '../errors/error-code.js';
import { PolyqueueError } from '../errors/polyqueue-error.js';

/**
 * Any class whose instances are N, whatever its constructor takes: `never[]` would refuse SDK
 * classes whose constructor takes a typed tuple (SQSClient).
 */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters are irrelevant to instanceof
type ClassOf<N> = abstract new (...args: any[]) => N;

/**
 * What a native object is checked against, as go-cloud's `As`: a class (checked with
 * `instanceof`), or, for SDKs whose client is an interface with no class to test, a named
 * predicate.
 */
export type NativeType<N> =
  | ClassOf<N>
  | { readonly name: string; readonly is: (value: unknown) => value is N };

/** A native object asked for as a type it is not: `broker.native(SQSClient)` on an amqp broker. */
export class NativeTypeError extends PolyqueueError {
  /** The type that was asked for. */
  readonly expected: string;
  /** What the native object is (its constructor's name, or its typeof). */
  readonly actual: string;

  constructor(what: string, expected: string, actual: string) {
    super(`${what} is ${article(actual)}, not ${article(expected)}`, { code: ErrorCode.InvalidArgument });
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * `value` typed as `N` when it is one, else a `NativeTypeError` naming both types. `what` says
 * which native object it is, e.g. 'the amqp broker's native client'.
 */
export function asNative<N>(value: unknown, type: NativeType<N>, what = 'the native object'): N {
  if (isNative(value, type)) return value;
  throw new NativeTypeError(what, type.name || 'the given type', describe(value));
}

/** True when `value` is of `type`. */
export function isNative<N>(value: unknown, type: NativeType<N>): value is N {
  if ('is' in type && typeof type.is === 'function') return type.is(value);
  return value instanceof (type as abstract new (...args: never[]) => N);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
    ?.name;
  return name || 'object';
}

function article(name: string): string {
  if (['null', 'undefined'].includes(name)) return name;
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}
