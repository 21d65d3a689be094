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
import { inMemoryMeter } from './metric-reader.js';

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

  it('counts lease extensions per queue while a handler runs past a third of its lease', async () => {
    const { meterProvider, collect } = inMemoryMeter();
    const clock = new VirtualClock();
    const broker = instrument(await connect({ driver: new MemoryServer({ clock }).connect() }), {
      tracerProvider: new BasicTracerProvider(),
      meterProvider,
    });
    const q = broker.queue<string>('otel-lease', { leaseMs: 300 });
    const worker = q.process(() => new Promise<void>((resolve) => clock.setTimeout(resolve, 1_000)));
    await q.send('slow');
    for (let ms = 0; ms < 1_100; ms += 50) await clock.advance(50);
    await worker.close();
    const extensions = (await collect()).get('polyqueue.lease.extensions') ?? [];
    // The keeper extends whatever has half a lease left, checking every third: about every 200 ms.
    expect(extensions.map((point) => point.attributes['messaging.destination.name'])).toEqual(['otel-lease']);
    expect(extensions[0]!.value).toBeGreaterThanOrEqual(3);
    await broker.close();
    await meterProvider.shutdown();
  });

  it('counts handler timeouts, one per attempt that ran past handlerTimeoutMs', async () => {
    const { meterProvider, collect } = inMemoryMeter();
    const clock = new VirtualClock();
    const broker = instrument(await connect({ driver: new MemoryServer({ clock }).connect() }), {
      tracerProvider: new BasicTracerProvider(),
      meterProvider,
    });
    const q = broker.queue<string>('otel-timeout', {
      maxAttempts: 2,
      handlerTimeoutMs: 50,
      backoff: { type: 'fixed', delayMs: 100 },
    });
    const worker = q.process((job) => (job.payload === 'hang' ? new Promise<void>(() => {}) : undefined));
    await q.sendBatch([{ payload: 'hang' }, { payload: 'quick' }]);
    for (let ms = 0; ms < 400; ms += 25) await clock.advance(25);
    await worker.close();
    const metrics = await collect();
    const timeouts = metrics.get('polyqueue.handler.timeouts') ?? [];
    expect(timeouts.map((point) => [point.attributes['messaging.destination.name'], point.value])).toEqual([
      ['otel-timeout', 2],
    ]);
    expect(metrics.get('polyqueue.dead_letters')?.map((point) => point.value)).toEqual([1]);
    await broker.close();
    await meterProvider.shutdown();
  });
});
