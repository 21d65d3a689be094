import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  type Broker,
  connect,
  ErrorCode,
  MemoryServer,
  type PolyqueueError,
  UnrecoverableError,
  VirtualClock,
} from '@polyqueue/core';
import type { Driver } from '@polyqueue/core/driver';
import { describe, expect, it, vi } from 'vitest';
import { instrument, type QueueDepthOptions } from '../src/index.js';
import { inMemoryMeter } from './metric-reader.js';

const GAUGES = [
  'polyqueue.queue.ready',
  'polyqueue.queue.delayed',
  'polyqueue.queue.in_flight',
  'polyqueue.queue.dead_lettered',
];

/** The memory driver, with some of its members replaced. */
function alteredDriver(driver: Driver, replace: Partial<Driver>): Driver {
  return new Proxy(driver, {
    get(target, key) {
      if (key in replace) return replace[key as keyof Driver];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function depthBroker(
  replace: Partial<Driver>,
  depth: (broker: Broker) => QueueDepthOptions['queues'] | QueueDepthOptions,
) {
  const clock = new VirtualClock();
  const driver = alteredDriver(new MemoryServer({ clock }).connect(), replace);
  const broker = await connect({ driver });
  const { meterProvider, collect } = inMemoryMeter();
  instrument(broker, {
    tracerProvider: new BasicTracerProvider(),
    meterProvider,
    queueDepth: depth(broker),
  });
  return { broker, clock, collect, meterProvider };
}

const values = (points: readonly { value: unknown; attributes: Record<string, unknown> }[] | undefined) =>
  (points ?? []).map((point) => [point.attributes['messaging.destination.name'], point.value]);

describe('@polyqueue/otel queue depth gauges', () => {
  it('observes each stats count of the named queues at collection', async () => {
    const { broker, clock, collect, meterProvider } = await depthBroker({}, () => ['depth-a', 'depth-idle']);
    const q = broker.queue<string>('depth-a');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = q.process(
      async (job) => {
        if (job.payload === 'poison') throw new UnrecoverableError('poison');
        await gate;
      },
      { concurrency: 1, prefetch: 0 },
    );
    await q.send('poison');
    await clock.advance(10);
    await q.send('hold');
    await clock.advance(10);
    await q.sendBatch([{ payload: 'a' }, { payload: 'b' }, { payload: 'later', options: { delay: 60_000 } }]);
    const metrics = await collect();
    expect(values(metrics.get('polyqueue.queue.ready'))).toEqual([
      ['depth-a', 2],
      ['depth-idle', 0],
    ]);
    expect(values(metrics.get('polyqueue.queue.delayed'))).toEqual([
      ['depth-a', 1],
      ['depth-idle', 0],
    ]);
    expect(values(metrics.get('polyqueue.queue.in_flight'))).toEqual([
      ['depth-a', 1],
      ['depth-idle', 0],
    ]);
    expect(values(metrics.get('polyqueue.queue.dead_lettered'))).toEqual([
      ['depth-a', 1],
      ['depth-idle', 0],
    ]);
    expect(metrics.get('polyqueue.queue.ready')![0]!.attributes).toEqual({
      'messaging.system': 'polyqueue_memory',
      'messaging.destination.name': 'depth-a',
    });
    release();
    await worker.close();
    await broker.close();
    await meterProvider.shutdown();
  });

  it('asks the broker at most once per cacheMs, and again once it passed', async () => {
    let reads = 0;
    const stats: Driver['stats'] = async () => {
      reads++;
      return { ready: reads, delayed: undefined, inFlight: undefined, deadLettered: undefined };
    };
    const { broker, clock, collect, meterProvider } = await depthBroker({ stats }, () => ({
      queues: ['depth-cached'],
      cacheMs: 1_000,
    }));
    expect(values((await collect()).get('polyqueue.queue.ready'))).toEqual([['depth-cached', 1]]);
    expect(values((await collect()).get('polyqueue.queue.ready'))).toEqual([['depth-cached', 1]]);
    await clock.advance(1_000);
    expect(values((await collect()).get('polyqueue.queue.ready'))).toEqual([['depth-cached', 2]]);
    expect(reads).toBe(2);
    await broker.close();
    await meterProvider.shutdown();
  });

  it('observes only the counts the broker can tell', async () => {
    const stats: Driver['stats'] = async () => ({
      ready: 3,
      delayed: undefined,
      inFlight: undefined,
      deadLettered: 1,
    });
    const { broker, collect, meterProvider } = await depthBroker({ stats }, () => ['depth-partial']);
    const metrics = await collect();
    expect(GAUGES.filter((name) => (metrics.get(name) ?? []).length > 0)).toEqual([
      'polyqueue.queue.ready',
      'polyqueue.queue.dead_lettered',
    ]);
    await broker.close();
    await meterProvider.shutdown();
  });

  it('creates no gauge on a broker that can count nothing', async () => {
    const memory = new MemoryServer().connect();
    const { broker, collect, meterProvider } = await depthBroker(
      { capabilities: { ...memory.capabilities, stats: [] } },
      () => ['depth-none'],
    );
    const metrics = await collect();
    expect(GAUGES.filter((name) => metrics.has(name))).toEqual([]);
    await broker.close();
    await memory.close('graceful');
    await meterProvider.shutdown();
  });

  it('a failed or late stats read observes nothing for that queue, reports to onError, and never throws', async () => {
    const errors: [string, string][] = [];
    const stats: Driver['stats'] = async (topology) => {
      if (topology.name === 'depth-broken') throw new Error('connection reset');
      if (topology.name === 'depth-stuck') return new Promise(() => {}); // never settles
      return { ready: 7, delayed: 0, inFlight: 0, deadLettered: 0 };
    };
    const { broker, clock, collect, meterProvider } = await depthBroker({ stats }, () => ({
      queues: ['depth-broken', 'depth-stuck', 'depth-fine'],
      timeoutMs: 60_000,
      onError: (error, queue) => errors.push([queue, (error as PolyqueueError).code ?? error.message]),
    }));
    let collected = false;
    const collecting = collect().finally(() => {
      collected = true;
    });
    // The bound runs on the broker's (virtual) clock: only the gauge's own timer ends the wait,
    // whatever the machine's load (a wall-clock minute would time the test out).
    await vi.waitFor(() => expect(clock.nextDueAt()).toBe(clock.now() + 60_000));
    await clock.advance(59_999);
    expect(collected).toBe(false);
    expect(errors.map(([queue]) => queue)).toEqual(['depth-broken']);
    await clock.advance(1);
    const metrics = await collecting;
    expect(values(metrics.get('polyqueue.queue.ready'))).toEqual([['depth-fine', 7]]);
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(['depth-stuck', ErrorCode.DeadlineExceeded]);
    expect(errors.find(([queue]) => queue === 'depth-broken')?.[1]).toBeDefined();
    await broker.close();
    await meterProvider.shutdown();
  });

  it('reads no stats and reports nothing once the broker is closed', async () => {
    const errors: Error[] = [];
    let reads = 0;
    const stats: Driver['stats'] = async () => {
      reads++;
      return { ready: 0, delayed: 0, inFlight: 0, deadLettered: 0 };
    };
    const { broker, collect, meterProvider } = await depthBroker({ stats }, () => ({
      queues: ['depth-closed'],
      cacheMs: 0,
      onError: (error) => errors.push(error),
    }));
    await collect();
    expect(reads).toBe(1);
    await broker.close();
    await collect();
    await collect();
    expect(reads).toBe(1);
    expect(errors).toEqual([]);
    await meterProvider.shutdown();
  });
});
