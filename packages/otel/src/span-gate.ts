import type { Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';

/** What the API's global provider (`ProxyTracerProvider`) has beyond `TracerProvider`. */
interface DelegatingProvider extends TracerProvider {
  getDelegateTracer(name: string, version?: string, options?: TracerOptions): Tracer | undefined;
}

function isDelegating(provider: TracerProvider): provider is DelegatingProvider {
  // Duck-typed rather than `instanceof ProxyTracerProvider`: the global may come from another
  // copy of @opentelemetry/api than ours.
  return typeof (provider as Partial<DelegatingProvider>).getDelegateTracer === 'function';
}

/**
 * Whether spans can record at all. With no SDK registered, the API's global provider is a proxy
 * with no delegate and every span it starts is a no-op; the hooks then skip the span altogether
 * (its options object, the context lookups, the span itself), which is most of what the no-op
 * API costs per job. The proxy is asked again on each call until an SDK is registered (one
 * property read), so an SDK registered after `instrument()` still takes effect, as with the
 * API's own proxy tracer. Any other provider is taken to record.
 */
export class SpanGate {
  #proxy: DelegatingProvider | undefined;
  readonly #name: string;
  readonly #version: string;
  readonly #options: TracerOptions;

  constructor(provider: TracerProvider, name: string, version: string, options: TracerOptions) {
    this.#proxy = isDelegating(provider) ? provider : undefined;
    this.#name = name;
    this.#version = version;
    this.#options = options;
  }

  /** False while the provider is the API's proxy with no SDK behind it. */
  open(): boolean {
    const proxy = this.#proxy;
    if (proxy === undefined) return true;
    if (proxy.getDelegateTracer(this.#name, this.#version, this.#options) === undefined) return false;
    // An SDK is registered: the API's proxy tracer keeps its tracer from now on, and so do we.
    this.#proxy = undefined;
    return true;
  }
}
