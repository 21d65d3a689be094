import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { connect, MemoryServer, UnrecoverableError, VirtualClock } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/index.js';

describe('@polyqueue/otel metrics', () => {
  it('counts sent and consumed messages, durations, attempts and dead letters by reason', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const clock = new VirtualClock();
    const broker = instrument(await connect({ driver: new MemoryServer({ clock }).connect() }), {
      tracerProvider: new BasicTracerProvider(),
      meterProvider,
    });
    const q = broker.queue<string>('otel-metrics', {
      maxAttempts: 2,
      backoff: { type: 'fixed', delayMs: 100 },
    });
    const worker = q.process((job) => {
      if (job.payload === 'poison') throw new UnrecoverableError('poison');
      if (job.payload === 'flaky' && job.attempt === 1) throw new Error('once');
    });
    await q.sendBatch([{ payload: 'ok' }, { payload: 'flaky' }]);
    await q.send('poison');
    await clock.advance(10);
    await clock.advance(200);
    await worker.close();
    await reader.forceFlush();
    const metrics = new Map(
      exporter
        .getMetrics()
        .at(-1)!
        .scopeMetrics.flatMap((scope) => scope.metrics)
        .map((metric) => [metric.descriptor.name, metric.dataPoints] as const),
    );
    const sum = (name: string) =>
      (metrics.get(name) ?? []).reduce((total, point) => total + (point.value as number), 0);
    const count = (name: string) =>
      (metrics.get(name) ?? []).reduce((total, point) => total + (point.value as { count: number }).count, 0);
    expect(sum('messaging.client.sent.messages')).toBe(3);
    expect(count('messaging.client.operation.duration')).toBe(2); // two send calls
    expect(sum('messaging.client.consumed.messages')).toBe(4); // ok, flaky twice, poison
    expect(count('messaging.process.duration')).toBe(4);
    expect(count('polyqueue.job.attempts')).toBe(3); // settled for good: ok, flaky (2nd), poison
    const dead = metrics.get('polyqueue.dead_letters')!;
    expect(dead.map((point) => [point.attributes['polyqueue.dead_letter.reason'], point.value])).toEqual([
      ['unrecoverable', 1],
    ]);
    expect(metrics.get('messaging.client.sent.messages')![0]!.attributes).toMatchObject({
      'messaging.system': 'polyqueue_memory',
      'messaging.destination.name': 'otel-metrics',
      'messaging.operation.name': 'send',
    });
    await broker.close();
    await meterProvider.shutdown();
  });
});
