import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { type Broker, connect } from '@polyqueue/core';
import { instrument } from '@polyqueue/otel';

export interface PrometheusOptions {
  /** The broker, e.g. `memory://` or `amqp://guest:guest@127.0.0.1:5672`. */
  readonly url: string;
  /** Where Prometheus scrapes: `http://<host>:<port>/metrics`. */
  readonly port: number;
  readonly host?: string;
  /** Queues whose depth to export as gauges. */
  readonly queues: readonly string[];
}

export interface PrometheusExample {
  readonly broker: Broker;
  /** The scrape URL. */
  readonly metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * A worker process that Prometheus scrapes: the OpenTelemetry Prometheus exporter serves the
 * polyqueue metrics (and the queue depth gauges of `queues`) on `/metrics`. The caller sends and
 * processes jobs on `broker`.
 */
export async function startPrometheus({
  url,
  port,
  host = '127.0.0.1',
  queues,
}: PrometheusOptions): Promise<PrometheusExample> {
  const exporter = new PrometheusExporter({ port, host, preventServerStart: true });
  await exporter.startServer();
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const broker = instrument(await connect(url), { meterProvider, queueDepth: queues });
  return {
    broker,
    metricsUrl: `http://${host}:${port}/metrics`,
    async stop() {
      await broker.close();
      await meterProvider.shutdown(); // stops the exporter's server too
    },
  };
}
