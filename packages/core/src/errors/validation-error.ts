import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly PropertyKey[];
}

/** A payload, option or attribute that fails validation. Nothing was sent. */
export class ValidationError extends PolyqueueError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[] = [{ message }]) {
    super(message, { code: ErrorCode.InvalidArgument });
    this.issues = issues;
  }
}
