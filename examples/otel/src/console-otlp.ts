import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { connect } from '@polyqueue/core';
import { instrument } from '@polyqueue/otel';

export interface ConsoleOtlpOptions {
  /** The broker, e.g. `memory://` or `nats://127.0.0.1:4222`. */
  readonly url: string;
  /** The OTLP/HTTP receiver (a Collector, Jaeger, Tempo...): `<endpoint>/v1/traces` and `/v1/metrics`. */
  readonly otlpEndpoint: string;
  /** Jobs to send and process. */
  readonly jobs: number;
}

/**
 * Traces and metrics to the console and to an OTLP/HTTP receiver at once: sends `jobs` jobs,
 * processes them, then shuts the providers down, which flushes both exporters.
 */
export async function runConsoleOtlp({ url, otlpEndpoint, jobs }: ConsoleOtlpOptions): Promise<void> {
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new ConsoleSpanExporter()),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpEndpoint}/v1/traces` })),
    ],
  });
  // The global provider and AsyncLocalStorage context: spans a handler starts are children of `process`.
  tracerProvider.register();
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlpEndpoint}/v1/metrics` }),
        exportIntervalMillis: 10_000,
      }),
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 10_000,
      }),
    ],
  });
  const broker = instrument(await connect(url), { tracerProvider, meterProvider, queueDepth: ['emails'] });
  try {
    const emails = broker.queue<{ to: string }>('emails');
    let done = 0;
    const allDone = new Promise<void>((resolve) => {
      emails.process(async () => {
        if (++done === jobs) resolve();
      });
    });
    await emails.sendBatch(
      Array.from({ length: jobs }, (_, i) => ({ payload: { to: `user${i}@example.com` } })),
    );
    await allDone;
  } finally {
    // The meter first: its last collection reads queue depth, which a closed broker no longer gives.
    await meterProvider.shutdown();
    await broker.close();
    await tracerProvider.shutdown();
  }
}
