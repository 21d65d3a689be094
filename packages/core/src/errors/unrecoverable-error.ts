/**
 * Throw this from a handler when retrying cannot help (bad data, a deleted account...).
 * The job is dead-lettered on this attempt instead of being retried.
 */
export class UnrecoverableError extends Error {
  override get name(): string {
    return 'UnrecoverableError';
  }
}
