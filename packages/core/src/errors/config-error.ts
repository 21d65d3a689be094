import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** Bad configuration: a malformed URL, an unknown scheme or parameter, an invalid option. */
export class ConfigError extends PolyqueueError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorCode.InvalidArgument, ...options });
  }
}

/** The URL names a scheme whose adapter package is not installed. */
export class MissingAdapterError extends ConfigError {
  readonly packageName: string;

  constructor(scheme: string, packageName: string, cause?: unknown) {
    super(
      `The "${scheme}://" scheme needs the package ${packageName}. Install it: npm install ${packageName}`,
      {
        cause,
      },
    );
    this.packageName = packageName;
  }
}
