import type { TokenCredential } from '@azure/service-bus';
import { ConfigError } from '@polyqueue/core';

/**
 * `@azure/identity` is an optional peer dependency: only passwordless URLs need it, so it is
 * imported on first use and its absence is reported by name. The specifier is a variable so that
 * neither TypeScript nor a bundler insists on it being installed.
 */
const IDENTITY_PACKAGE = '@azure/identity';

export async function defaultAzureCredential(): Promise<TokenCredential> {
  let module: { DefaultAzureCredential?: new () => TokenCredential };
  try {
    module = (await import(IDENTITY_PACKAGE)) as typeof module;
  } catch (cause) {
    throw new ConfigError(
      `A servicebus:// URL without a SAS key signs in passwordless, which needs the package ${IDENTITY_PACKAGE}. ` +
        `Install it (npm install ${IDENTITY_PACKAGE}), or put <SharedAccessKeyName>:<SharedAccessKey>@ in the URL.`,
      { cause },
    );
  }
  if (typeof module.DefaultAzureCredential !== 'function') {
    throw new ConfigError(`${IDENTITY_PACKAGE} does not export DefaultAzureCredential`);
  }
  return new module.DefaultAzureCredential();
}
