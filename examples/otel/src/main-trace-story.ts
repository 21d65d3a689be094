import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { runTraceStory } from './trace-story.js';

// npm run trace-story -w examples/otel: prints every span of the story's trace as it ends.
await runTraceStory(new SimpleSpanProcessor(new ConsoleSpanExporter()));
