import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type Broker, connect, MemoryServer, VirtualClock } from '@polyqueue/core';
import type { Driver } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/index.js';
import { inMemoryMeter } from './metric-reader.js';

/** A memory broker whose stats() reads are counted: each one is a gauge callback at work. */
async function countedBroker() {
  const clock = new VirtualClock();
  const driver = new MemoryServer({ clock }).connect();
  const counted = { reads: 0 };
  const stats = driver.stats.bind(driver);
  driver.stats = (topology) => {
    counted.reads++;
    return stats(topology);
  };
  const broker = await connect({ driver: driver as Driver });
  return { broker, clock, counted };
}

function traced(broker: Broker, meterProvider: ReturnType<typeof inMemoryMeter>['meterProvider']) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // cacheMs 0: every collection reads, so the reads count the callbacks still registered.
  instrument(broker, { tracerProvider, meterProvider, queueDepth: { queues: ['lifecycle'], cacheMs: 0 } });
  return exporter;
}

describe('@polyqueue/otel instrument() lifecycle', () => {
  it('a second instrument() replaces the first: its gauges are gone, its tracer no longer used', async () => {
    const { broker, clock, counted } = await countedBroker();
    const { meterProvider, collect } = inMemoryMeter();
    const first = traced(broker, meterProvider);
    const second = traced(broker, meterProvider);
    const metrics = await collect();
    expect(counted.reads).toBe(1);
    expect(metrics.get('polyqueue.queue.ready')).toHaveLength(1);
    const q = broker.queue<string>('lifecycle');
    const worker = q.process(() => {});
    await q.send('x');
    await clock.advance(10);
    await worker.close();
    expect(first.getFinishedSpans()).toEqual([]);
    expect(
      second
        .getFinishedSpans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['process lifecycle', 'send lifecycle']);
    await broker.close();
    await meterProvider.shutdown();
  });

  it('broker.instrument(undefined) stops the gauges: no stats read at later collections', async () => {
    const { broker, counted } = await countedBroker();
    const { meterProvider, collect } = inMemoryMeter();
    traced(broker, meterProvider);
    await collect();
    expect(counted.reads).toBe(1);
    broker.instrument(undefined);
    await collect();
    await collect();
    // Reads are what tell: a cumulative reader would repeat the last value anyway.
    expect(counted.reads).toBe(1);
    await broker.close();
    await meterProvider.shutdown();
  });
});
