import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { connect, MemoryServer, moveJobs } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/index.js';
import { named, parentSpanId } from './support.js';

describe('@polyqueue/otel across polyqueue move', () => {
  it("a moved job's process span is in the producer's trace, parented and linked by its send span", async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const options = { tracerProvider, meterProvider: false } as const;
    const oldBroker = instrument(await connect({ driver: new MemoryServer().connect() }), options);
    const newBroker = instrument(await connect({ driver: new MemoryServer().connect() }), options);
    try {
      await oldBroker.queue<string>('otel-move').send('moving');
      const result = await moveJobs(oldBroker.queue('otel-move'), newBroker.queue('otel-move'), {
        idleMs: 50,
      });
      expect(result.moved).toBe(1);
      const handled = new Promise<void>((resolve) => {
        newBroker.queue<string>('otel-move').process(() => resolve());
      });
      await handled;
    } finally {
      await newBroker.close();
      await oldBroker.close();
    }
    const [send] = named(exporter.getFinishedSpans(), 'send otel-move');
    const [process] = named(exporter.getFinishedSpans(), 'process otel-move');
    const sent = send!.spanContext();
    expect(process!.spanContext().traceId).toBe(sent.traceId);
    expect(parentSpanId(process!)).toBe(sent.spanId);
    expect(process!.links.map((link) => link.context.spanId)).toEqual([sent.spanId]);
  });
});
