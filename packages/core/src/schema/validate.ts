import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationIssue } from '../errors/validation-error.js';

export type { StandardSchemaV1 };

/** The output type of a Standard Schema (zod, valibot, arktype...), or `unknown` without one. */
export type InferPayload<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown;

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** Runs a Standard Schema, sync or async, and normalizes its issues. */
export async function validate<T>(schema: StandardSchemaV1, value: unknown): Promise<ValidationResult<T>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  return normalized(result);
}

/** The same check when the schema answers synchronously; undefined when it answers with a Promise. */
export function validateSync<T>(schema: StandardSchemaV1, value: unknown): ValidationResult<T> | undefined {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) {
    result.catch(() => {}); // not awaited: the caller fails with its own error instead
    return undefined;
  }
  return normalized(result);
}

function normalized<T>(result: StandardSchemaV1.Result<unknown>): ValidationResult<T> {
  if (result.issues) {
    return {
      ok: false,
      issues: result.issues.map((issue) => ({
        message: issue.message,
        ...(issue.path ? { path: issue.path.map((p) => (typeof p === 'object' ? p.key : p)) } : {}),
      })),
    };
  }
  return { ok: true, value: result.value as T };
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path?.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
