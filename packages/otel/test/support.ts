import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { connect, MemoryServer, VirtualClock } from '@polyqueue/core';
import { instrument } from '../src/index.js';

/** A memory broker on a virtual clock, traced into an in-memory exporter. */
export async function tracedMemoryBroker() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const clock = new VirtualClock();
  const server = new MemoryServer({ clock });
  const broker = instrument(await connect({ driver: server.connect() }), {
    tracerProvider,
    meterProvider: false,
  });
  return { broker, clock, server, exporter, spans: () => exporter.getFinishedSpans() };
}

export function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

export function parentSpanId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
