import {
  createNoopMeter,
  type MeterProvider,
  metrics as metricsApi,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Broker } from '@polyqueue/core';
import { OtelInstrumentation } from './instrumentation.js';
import { PolyqueueMetrics } from './metrics.js';

export { Attr, OtelInstrumentation } from './instrumentation.js';
export { PolyqueueMetrics } from './metrics.js';
export { messagingSystem } from './systems.js';
export { formatTraceparent, parseTraceContext } from './trace-context.js';

const NOOP_METER_CLASS = createNoopMeter().constructor as abstract new (...args: never[]) => unknown;

export const INSTRUMENTATION_NAME = '@polyqueue/otel';
/** The messaging semantic conventions these spans and metrics follow (status: Development). */
export const SEMCONV_VERSION = '1.39.0';

export interface InstrumentOptions {
  /** Defaults to the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Defaults to the global meter provider; `false` records no metrics. */
  readonly meterProvider?: MeterProvider | false;
}

/**
 * Traces and measures every send and every processed job of `broker`, its existing queues too.
 * Returns the broker. Call `broker.instrument(undefined)` to turn it off.
 */
export function instrument(broker: Broker, options: InstrumentOptions = {}): Broker {
  return broker.instrument(createInstrumentation(options));
}

export function createInstrumentation(options: InstrumentOptions = {}): OtelInstrumentation {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_NAME,
    '0.1.0',
    {
      schemaUrl: `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`,
    },
  );
  const meterProvider =
    options.meterProvider === false ? undefined : (options.meterProvider ?? metricsApi.getMeterProvider());
  const meter = meterProvider ? meterProvider.getMeter(INSTRUMENTATION_NAME, '0.1.0') : undefined;
  // The API's no-op meter (no SDK registered) records nothing: skip metrics, and their cost.
  const metrics = meter && !(meter instanceof NOOP_METER_CLASS) ? new PolyqueueMetrics(meter) : undefined;
  return new OtelInstrumentation(tracer, metrics);
}
