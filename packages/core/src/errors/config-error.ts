import { ErrorCode } from './error-code.js';
import { PolyqueueError } from './polyqueue-error.js';

/** Bad configuration: a malformed URL, an unknown scheme or parameter, an invalid option. */
export class ConfigError extends PolyqueueError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: ErrorCode.InvalidArgument, ...options });
  }
}

/**
 * The URL names a scheme whose adapter package is not installed, or whose adapter is installed but
 * not the SDK it needs (its peer dependency, e.g. `amqplib`): either way, one package to install.
 */
export class MissingAdapterError extends ConfigError {
  readonly packageName: string;

  constructor(scheme: string, packageName: string, cause?: unknown, requiredBy?: string) {
    const why = requiredBy === undefined ? '' : ` (a peer dependency of ${requiredBy})`;
    super(
      `The "${scheme}://" scheme needs the package ${packageName}${why}. Install it: npm install ${packageName}`,
      { cause },
    );
    this.packageName = packageName;
  }
}
