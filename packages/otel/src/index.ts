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

export { Attr, OtelInstrumentation } from './instrumentation.js';
export { PolyqueueMetrics } from './metrics.js';
export { QUEUE_DEPTH_GAUGES, QueueDepthGauges, type QueueDepthOptions } from './queue-depth.js';
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
  /**
   * Queues whose depth to observe as gauges (`polyqueue.queue.ready`, ...), read with `stats()`
   * when the meter collects: a list of queues, or the list with its bounds.
   */
  readonly queueDepth?: QueueDepthOptions | QueueDepthOptions['queues'];
}

/**
 * Traces and measures every send and every processed job of `broker`, its existing queues too.
 * Returns the broker. Call `broker.instrument(undefined)` to turn it off.
 */
export function instrument(broker: Broker, options: InstrumentOptions = {}): Broker {
  const instrumentation = createInstrumentation(options);
  const { queueDepth } = options;
  const meter = instrumentation.meter;
  if (queueDepth !== undefined && meter !== undefined) {
    new QueueDepthGauges(meter, broker, 'queues' in queueDepth ? queueDepth : { queues: queueDepth });
  }
  return broker.instrument(instrumentation);
}

export function createInstrumentation(
  options: Omit<InstrumentOptions, 'queueDepth'> = {},
): OtelInstrumentation {
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
  const recording = meter && !(meter instanceof NOOP_METER_CLASS) ? meter : undefined;
  return new OtelInstrumentation(tracer, recording && new PolyqueueMetrics(recording));
}
