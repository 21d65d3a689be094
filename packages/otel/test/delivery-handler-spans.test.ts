import { SpanKind } from '@opentelemetry/api';
import { type Delivery, platformOf } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { named, parentSpanId, tracedMemoryBroker } from './support.js';

/**
 * The SQS Lambda handler and the Pub/Sub push handler run jobs through
 * `platformOf(queue).createDeliveryHandler`: a delivery as they build it, carrying a producer's
 * trace context, gets a `process` span in that trace.
 */
describe('@polyqueue/otel on platform delivery handlers (Lambda, push)', () => {
  it('a pushed delivery is processed in the producer trace, with its settlement as an event', async () => {
    const { broker, spans } = await tracedMemoryBroker();
    const q = broker.queue<{ ok: boolean }>('otel-push', { maxAttempts: 3 });
    const traceId = 'a'.repeat(32);
    const spanId = 'b'.repeat(16);
    const seen: (string | undefined)[] = [];
    const handler = platformOf(q).createDeliveryHandler((job) => {
      seen.push(job.traceparent);
      if (!job.payload.ok) throw new Error('nope');
    });
    const delivery = (ok: boolean, deliveryCount: number): Delivery => ({
      body: Buffer.from(JSON.stringify({ ok })),
      attributes: {},
      meta: { id: `m-${deliveryCount}`, traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'k=v' },
      deliveryCount,
      native: {},
      ack: async () => {},
      retry: async () => {},
      deadLetter: async () => {},
      release: async () => {},
      extendLease: async () => {},
    });
    expect(await handler.handle(delivery(false, 1))).toBe('retrying');
    expect(await handler.handle(delivery(true, 2))).toBe('completed');
    expect(seen).toEqual([`00-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-01`]);
    const processes = named(spans(), 'process otel-push');
    expect(processes.map((span) => span.kind)).toEqual([SpanKind.CONSUMER, SpanKind.CONSUMER]);
    for (const span of processes) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(parentSpanId(span)).toBe(spanId);
      expect(span.links[0]!.context.traceState?.get('k')).toBe('v');
    }
    expect(processes.map((span) => span.events.at(-1)!.name)).toEqual(['polyqueue.retry', 'polyqueue.ack']);
    expect(processes.map((span) => span.attributes['polyqueue.job.attempt'])).toEqual([1, 2]);
    await broker.close();
  });
});
