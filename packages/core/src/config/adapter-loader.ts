import type { AdapterModule } from '../driver/adapter-module.js';
import { ConfigError, MissingAdapterError } from '../errors/config-error.js';
import { memoryAdapter } from '../memory/memory-adapter.js';
import { KNOWN_ADAPTER_PACKAGES } from './known-adapters.js';
import { missingPackageOf } from './missing-package.js';

/**
 * An adapter given directly, a loader that imports it on first use, or the name of a package that
 * exports `adapter` (imported on first use, with a clear error naming it when it is not installed).
 */
export type AdapterSource = AdapterModule | (() => Promise<AdapterModule>) | string;

export type AdapterSources = Readonly<Record<string, AdapterSource>>;

/** The adapter for `scheme`: given in options first, then memory, then the known packages. */
export async function loadAdapter(scheme: string, extra: AdapterSources): Promise<AdapterModule> {
  const given = extra[scheme];
  if (given !== undefined) return fromSource(scheme, given);
  if (memoryAdapter.schemes.includes(scheme)) return memoryAdapter;
  const packageName = KNOWN_ADAPTER_PACKAGES[scheme];
  if (!packageName) {
    const known = ['memory', ...Object.keys(KNOWN_ADAPTER_PACKAGES), ...Object.keys(extra)].sort();
    throw new ConfigError(`Unknown scheme "${scheme}://". Known schemes: ${known.join(', ')}`);
  }
  return importAdapter(scheme, packageName);
}

/**
 * Every adapter that may recognize a text that is not a URL, in the order they are asked: those
 * given in options, then the installed known adapter packages. One that is not installed (or
 * whose SDK is not) cannot be asked and is left out; any other failure to load is thrown.
 */
export async function* recognizers(extra: AdapterSources): AsyncGenerator<AdapterModule> {
  const seen = new Set<AdapterSource>();
  const loads: Promise<AdapterModule | undefined>[] = [];
  const sources = [
    ...Object.entries(extra),
    ...Object.entries(KNOWN_ADAPTER_PACKAGES).filter(([scheme]) => extra[scheme] === undefined),
  ];
  for (const [scheme, source] of sources) {
    if (seen.has(source)) continue;
    seen.add(source);
    // Imported all at once (an SDK can take a while to load), asked in order below.
    loads.push(
      fromSource(scheme, source).catch((error: unknown) => {
        if (error instanceof MissingAdapterError) return undefined;
        throw error;
      }),
    );
  }
  // Every load has its rejection awaited below, or is settled already when the loop ends early.
  for (const load of loads) load.catch(() => undefined);
  for (const load of loads) {
    const adapter = await load;
    if (adapter !== undefined) yield adapter;
  }
}

/** The package name of a scheme's adapter, when it is known (for "a peer dependency of ..."). */
export function adapterPackage(scheme: string, extra: AdapterSources): string | undefined {
  const given = extra[scheme];
  if (typeof given === 'string') return given;
  return given === undefined ? KNOWN_ADAPTER_PACKAGES[scheme] : undefined;
}

function fromSource(scheme: string, source: AdapterSource): Promise<AdapterModule> {
  if (typeof source === 'string') return importAdapter(scheme, source);
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

async function importAdapter(scheme: string, packageName: string): Promise<AdapterModule> {
  let module: { adapter?: AdapterModule };
  try {
    module = (await import(packageName)) as { adapter?: AdapterModule };
  } catch (error) {
    // The adapter itself, or the SDK it imports at load time (its peer dependency): the same
    // clear error, naming the package that is missing.
    const missing = missingPackageOf(error);
    if (missing === undefined) throw error;
    throw new MissingAdapterError(scheme, missing, error, missing === packageName ? undefined : packageName);
  }
  if (!module.adapter) throw new ConfigError(`${packageName} does not export an "adapter"`);
  return module.adapter;
}
