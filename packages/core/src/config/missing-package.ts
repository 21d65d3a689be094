/**
 * The npm package an import failed to find, or undefined when `error` is something else. Looks
 * through `cause` too, since an adapter may wrap its lazy SDK import. Only bare specifiers count
 * (`amqplib`, `@aws-sdk/client-sqs/sub` -> `@aws-sdk/client-sqs`): a missing relative file is a
 * broken install, not a package to add.
 */
export function missingPackageOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const specifier = /Cannot find (?:package|module) '([^']+)'/.exec(current.message)?.[1];
      return specifier === undefined ? undefined : packageNameOf(specifier);
    }
    current = current.cause;
  }
  return undefined;
}

function packageNameOf(specifier: string): string | undefined {
  if (/^(?:\.|\/|[a-z]+:)/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
