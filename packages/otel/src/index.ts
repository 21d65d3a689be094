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
import { QueueDepthGauges, type QueueDepthOptions } from './queue-depth.js';
import { SpanGate } from './span-gate.js';

export { Attr, OtelInstrumentation, type OtelInstrumentationParts } from './instrumentation.js';
export { PolyqueueMetrics } from './metrics.js';
export { QUEUE_DEPTH_GAUGES, QueueDepthGauges, type QueueDepthOptions } from './queue-depth.js';
export { SpanGate } from './span-gate.js';
export { messagingSystem } from './systems.js';
export { formatTraceparent, parseTraceContext } from './trace-context.js';

const NOOP_METER_CLASS = createNoopMeter().constructor as abstract new (...args: never[]) => unknown;

export const INSTRUMENTATION_NAME = '@polyqueue/otel';
const VERSION = '0.1.0';
/** The messaging semantic conventions these spans and metrics follow (status: Development). */
export const SEMCONV_VERSION = '1.39.0';

export interface InstrumentOptions {
  /** Defaults to the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Defaults to the global meter provider; `false` records no metrics. */
  readonly meterProvider?: MeterProvider | false;
  /**
   * Queues whose depth to observe as gauges (`polyqueue.queue.ready`, ...), read with `stats()`
   * when the meter collects: a list of queues, or the list with its bounds.
   */
  readonly queueDepth?: QueueDepthOptions | QueueDepthOptions['queues'];
}

/**
 * Traces and measures every send and every processed job of `broker`, its existing queues too.
 * Returns the broker. Calling it again replaces the previous instrumentation (its queue depth
 * gauges are removed first): the last call's options hold. `broker.instrument(undefined)` turns it
 * off, gauges included.
 */
export function instrument(broker: Broker, options: InstrumentOptions = {}): Broker {
  const { queueDepth, ...providers } = options;
  const { tracer, metrics, spans } = resolve(providers);
  const gauges =
    queueDepth !== undefined && metrics !== undefined
      ? new QueueDepthGauges(
          metrics.meter,
          broker,
          'queues' in queueDepth ? queueDepth : { queues: queueDepth },
        )
      : undefined;
  // The broker tells the one it replaces (`uninstalled`), which stops that one's gauges.
  return broker.instrument(new OtelInstrumentation(tracer, { metrics, spans, owned: gauges }));
}

export function createInstrumentation(
  options: Omit<InstrumentOptions, 'queueDepth'> = {},
): OtelInstrumentation {
  const { tracer, metrics, spans } = resolve(options);
  return new OtelInstrumentation(tracer, { metrics, spans });
}

function resolve(options: Omit<InstrumentOptions, 'queueDepth'>) {
  const tracerProvider = options.tracerProvider ?? trace.getTracerProvider();
  const tracerOptions = { schemaUrl: `https://opentelemetry.io/schemas/${SEMCONV_VERSION}` };
  const tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME, VERSION, tracerOptions);
  const spans = new SpanGate(tracerProvider, INSTRUMENTATION_NAME, VERSION, tracerOptions);
  const meterProvider =
    options.meterProvider === false ? undefined : (options.meterProvider ?? metricsApi.getMeterProvider());
  const meter = meterProvider ? meterProvider.getMeter(INSTRUMENTATION_NAME, VERSION) : undefined;
  // The API's no-op meter (no SDK registered) records nothing: skip metrics, and their cost.
  const recording = meter && !(meter instanceof NOOP_METER_CLASS) ? meter : undefined;
  return { tracer, spans, metrics: recording && new PolyqueueMetrics(recording) };
}
