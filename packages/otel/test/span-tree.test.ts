import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { UnrecoverableError } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { named, parentSpanId, tracedMemoryBroker } from './support.js';

describe('@polyqueue/otel span tree on the memory adapter', () => {
  it('success: send (producer) parents process (consumer), linked, one trace, acked', async () => {
    const { broker, clock, spans } = await tracedMemoryBroker();
    const q = broker.queue<string>('otel-ok');
    const seen: (string | undefined)[] = [];
    const worker = q.process((job) => {
      seen.push(job.traceparent);
    });
    const id = await q.send('x');
    await clock.advance(10);
    await worker.close();
    const [send] = named(spans(), 'send otel-ok');
    const [process] = named(spans(), 'process otel-ok');
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes).toMatchObject({
      'messaging.system': 'polyqueue_memory',
      'messaging.destination.name': 'otel-ok',
      'messaging.message.id': id,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
    });
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    expect(process?.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': id,
      'polyqueue.job.attempt': 1,
    });
    const sendContext = send!.spanContext();
    expect(seen).toEqual([`00-${sendContext.traceId}-${sendContext.spanId}-01`]);
    expect(process!.spanContext().traceId).toBe(sendContext.traceId);
    expect(parentSpanId(process!)).toBe(sendContext.spanId);
    expect(process!.links.map((link) => link.context.spanId)).toEqual([sendContext.spanId]);
    expect(process!.events.map((event) => event.name)).toEqual(['polyqueue.ack']);
    await broker.close();
  });

  it('runs the handler inside its process span: that span is the active one in the handler', async () => {
    // What an application's own tracing (an HTTP or database client) sees from a handler, with the
    // context manager an OTel Node SDK installs.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      const { broker, clock, spans } = await tracedMemoryBroker();
      const q = broker.queue<string>('otel-active');
      const active: (string | undefined)[] = [];
      const worker = q.process(async () => {
        active.push(trace.getActiveSpan()?.spanContext().spanId);
      });
      await q.send('x');
      await clock.advance(10);
      await worker.close();
      const [process] = named(spans(), 'process otel-active');
      expect(active).toEqual([process!.spanContext().spanId]);
      await broker.close();
    } finally {
      context.disable();
    }
  });

  it('retry then success: two process spans under one send, the first in error with a retry event', async () => {
    const { broker, clock, spans } = await tracedMemoryBroker();
    const q = broker.queue<string>('otel-retry', { backoff: { type: 'fixed', delayMs: 1000 } });
    let calls = 0;
    const worker = q.process(() => {
      calls++;
      if (calls === 1) throw new Error('first attempt fails');
    });
    await q.send('x');
    await clock.advance(10);
    await clock.advance(1100);
    await worker.close();
    const [send] = named(spans(), 'send otel-retry');
    const processes = named(spans(), 'process otel-retry');
    expect(processes.map((span) => span.attributes['polyqueue.job.attempt'])).toEqual([1, 2]);
    for (const span of processes) {
      expect(span.spanContext().traceId).toBe(send!.spanContext().traceId);
      expect(parentSpanId(span)).toBe(send!.spanContext().spanId);
    }
    const [first, second] = processes;
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    expect(first!.attributes['error.type']).toBe('Error');
    expect(first!.events.map((event) => event.name)).toEqual(['exception', 'polyqueue.retry']);
    expect(first!.events[1]!.attributes).toEqual({
      'polyqueue.retry.delay_ms': 1000,
      'polyqueue.job.next_attempt': 2,
    });
    expect(second!.status.code).toBe(SpanStatusCode.UNSET);
    expect(second!.events.map((event) => event.name)).toEqual(['polyqueue.ack']);
    await broker.close();
  });

  it('dead-letter, redrive, success: the redriven job is processed in the send trace', async () => {
    const { broker, clock, spans } = await tracedMemoryBroker();
    const q = broker.queue<string>('otel-dlq');
    let fail = true;
    const worker = q.process(() => {
      if (fail) throw new UnrecoverableError('poison');
    });
    await q.send('x');
    await clock.advance(10);
    fail = false;
    expect(await q.deadLetters.redrive()).toBe(1);
    await clock.advance(10);
    await worker.close();
    const [send] = named(spans(), 'send otel-dlq');
    const [dead, redriven] = named(spans(), 'process otel-dlq');
    expect(dead!.events.map((event) => event.name)).toEqual(['exception', 'polyqueue.dead_letter']);
    expect(dead!.events[1]!.attributes).toEqual({ 'polyqueue.dead_letter.reason': 'unrecoverable' });
    expect(dead!.status.code).toBe(SpanStatusCode.ERROR);
    expect(redriven!.events.map((event) => event.name)).toEqual(['polyqueue.ack']);
    for (const span of [dead!, redriven!]) {
      expect(span.spanContext().traceId).toBe(send!.spanContext().traceId);
      expect(parentSpanId(span)).toBe(send!.spanContext().spanId);
    }
    await broker.close();
  });

  it('a producer without instrumentation adds no trace context to the message', async () => {
    const { broker, clock, server } = await tracedMemoryBroker();
    broker.instrument(undefined);
    const q = broker.queue<string>('otel-off');
    await q.send('x');
    await clock.advance(1);
    const [raw] = server.consumeRaw('otel-off');
    expect(JSON.stringify(raw)).not.toMatch(/traceparent/);
    await broker.close();
  });

  it('a batch send is one producer span with the message count, its context on every message', async () => {
    const { broker, clock, spans } = await tracedMemoryBroker();
    const q = broker.queue<string>('otel-batch');
    const seen: (string | undefined)[] = [];
    const worker = q.process((job) => {
      seen.push(job.traceparent);
    });
    await q.sendBatch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]);
    await clock.advance(10);
    await worker.close();
    const [send] = named(spans(), 'send otel-batch');
    expect(send!.attributes['messaging.batch.message_count']).toBe(3);
    const expected = `00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`;
    expect(seen).toEqual([expected, expected, expected]);
    await broker.close();
  });
});
