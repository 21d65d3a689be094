import type { SendScope } from './instrumentation.js';

/** Ends a send scope with the outcome of each published message (`indices[i]` is its result). */
export function endSend(
  scope: SendScope,
  results: readonly ({ ok: true; id: string } | { ok: false; error: Error })[],
  indices: readonly number[],
): void {
  const ids: (string | undefined)[] = new Array(indices.length);
  const errors: (Error | undefined)[] = new Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const result = results[indices[i]!]!;
    if (result.ok) ids[i] = result.id;
    else errors[i] = result.error;
  }
  scope.end(ids, errors);
}
