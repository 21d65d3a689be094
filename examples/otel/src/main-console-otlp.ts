import { runConsoleOtlp } from './console-otlp.js';
import { queueUrl } from './queue-url.js';

// npm run console-otlp -w examples/otel   (an OTLP/HTTP receiver on :4318, e.g. an OpenTelemetry Collector)
await runConsoleOtlp({
  url: queueUrl('memory://'),
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318',
  jobs: 3,
});
