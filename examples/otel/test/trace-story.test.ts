import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { runTraceStory } from '../src/trace-story.js';

it('trace story: delayed, retried, dead-lettered, redriven, done, all in the trace of the web request', async () => {
  const ended: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => ended.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const traceId = await runTraceStory(
    collect,
    `memory://trace-story-${randomBytes(3).toString('hex')}?max_native_delay_ms=100`,
  );
  expect(ended.every((span) => span.spanContext().traceId === traceId)).toBe(true);
  const request = ended.find((span) => span.name === 'POST /signup')!;
  const send = ended.find((span) => span.name === 'send welcome-emails')!;
  const processes = ended.filter((span) => span.name === 'process welcome-emails');
  expect(send.kind).toBe(SpanKind.PRODUCER);
  expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  expect(
    processes.map((span) => span.events.map((event) => event.name).filter((name) => name !== 'exception')),
  ).toEqual([['polyqueue.retry'], ['polyqueue.dead_letter'], ['polyqueue.ack']]);
  for (const span of processes) {
    expect(span.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(span.links.map((link) => link.context.spanId)).toEqual([send.spanContext().spanId]);
  }
  // The delay hopped through the forwarder: the first attempt started no earlier than 500 ms after the send.
  const startMs = (span: ReadableSpan) => span.startTime[0] * 1000 + span.startTime[1] / 1e6;
  expect(startMs(processes[0]!) - startMs(send)).toBeGreaterThanOrEqual(500 - 5);
});
