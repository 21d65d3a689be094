import {
  type Attributes,
  context,
  type Meter,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Instrumentation, Job, ProcessScope, SendScope, Settlement } from '@polyqueue/core';
import type { OutgoingMessage } from '@polyqueue/core/driver';
import type { PolyqueueMetrics } from './metrics.js';
import type { SpanGate } from './span-gate.js';
import { messagingSystem } from './systems.js';
import { formatTraceparent, parseTraceContext, withRemoteParent } from './trace-context.js';

/** Span and metric attribute names (messaging semantic conventions, plus polyqueue's own). */
export const Attr = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  batchCount: 'messaging.batch.message_count',
  attempt: 'polyqueue.job.attempt',
  errorType: 'error.type',
} as const;

/** What a queue's spans share, built once per queue rather than per message. */
interface QueueNames {
  readonly sendName: string;
  readonly processName: string;
  readonly send: Attributes;
  readonly process: Attributes;
}

/** What an instrumentation is made of besides its tracer (`createInstrumentation` builds them). */
export interface OtelInstrumentationParts {
  /** Its metric instruments; undefined when it records no metrics. */
  readonly metrics?: PolyqueueMetrics | undefined;
  /** Closed while spans cannot record (no SDK): the hooks then skip spans. Absent: always open. */
  readonly spans?: SpanGate | undefined;
  /** Stopped when the broker drops this instrumentation (the queue depth gauges). */
  readonly owned?: { stop(): void } | undefined;
}

/** Implements core's hooks with an OpenTelemetry tracer and (optionally) meter instruments. */
export class OtelInstrumentation implements Instrumentation {
  readonly #tracer: Tracer;
  readonly #metrics: PolyqueueMetrics | undefined;
  readonly #spans: SpanGate | undefined;
  #owned: { stop(): void } | undefined;
  readonly #queues = new Map<string, QueueNames>();

  constructor(tracer: Tracer, parts: OtelInstrumentationParts = {}) {
    this.#tracer = tracer;
    this.#metrics = parts.metrics;
    this.#spans = parts.spans;
    this.#owned = parts.owned;
  }

  /** Called by the broker when `broker.instrument()` replaced or removed this one. */
  uninstalled(): void {
    this.#owned?.stop();
    this.#owned = undefined;
  }

  /** Nothing to record: no span can record and there are no metrics (no SDK at all). */
  #idle(): boolean {
    return this.#metrics === undefined && this.#spans?.open() === false;
  }

  /** The meter it records with; undefined when it records no metrics. */
  get meter(): Meter | undefined {
    return this.#metrics?.meter;
  }

  #names(queue: string, adapter: string): QueueNames {
    let names = this.#queues.get(queue);
    if (names === undefined) {
      const base = { [Attr.system]: messagingSystem(adapter), [Attr.destination]: queue };
      names = {
        sendName: `send ${queue}`,
        processName: `process ${queue}`,
        send: { ...base, [Attr.operationType]: 'send', [Attr.operationName]: 'send' },
        process: { ...base, [Attr.operationType]: 'process', [Attr.operationName]: 'process' },
      };
      this.#queues.set(queue, names);
    }
    return names;
  }

  send(queue: string, adapter: string, messages: readonly OutgoingMessage[]): SendScope | undefined {
    if (this.#idle()) {
      // What the no-op span would have carried: the context the caller is in, if any.
      const inherited = trace.getSpanContext(context.active());
      if (inherited !== undefined) stampContext(messages, inherited);
      return undefined;
    }
    const names = this.#names(queue, adapter);
    const span = this.#tracer.startSpan(names.sendName, { kind: SpanKind.PRODUCER, attributes: names.send });
    // A non-recording span (no SDK, or not sampled) still propagates a valid context it inherited:
    // the consumer then continues the caller's trace, as W3C intends.
    stampContext(messages, span.spanContext());
    const recording = span.isRecording();
    if (!recording && this.#metrics === undefined) return undefined;
    if (recording) {
      if (messages.length === 1) span.setAttribute(Attr.messageId, messages[0]!.meta.id);
      else span.setAttribute(Attr.batchCount, messages.length);
    }
    const started = performance.now();
    return {
      end: (ids, errors) => {
        let failed: Error | undefined;
        for (const error of errors) if (error !== undefined) failed ??= error;
        if (failed !== undefined) {
          span.recordException(failed);
          span.setStatus({ code: SpanStatusCode.ERROR, message: failed.message });
          span.setAttribute(Attr.errorType, failed.name);
        } else if (ids.length === 1 && ids[0] !== messages[0]!.meta.id) {
          // Deduplicated: the id the handler will see.
          span.setAttribute(Attr.messageId, ids[0]!);
        }
        span.end();
        this.#metrics?.sent(names.send, messages.length, (performance.now() - started) / 1000, failed?.name);
      },
    };
  }

  leaseExtended(queue: string, adapter: string, count: number): void {
    this.#metrics?.leaseExtensions.add(count, this.#names(queue, adapter).process);
  }

  process(queue: string, adapter: string, job: Job<unknown>): ProcessScope | undefined {
    // A non-recording span without metrics records nothing either: the handler runs unwrapped.
    if (this.#idle()) return undefined;
    const names = this.#names(queue, adapter);
    const producer = parseTraceContext(job.traceparent, job.tracestate);
    // Conventions: link the creation context; with no ambient trace (a worker's receive loop),
    // the creation context is also the parent, so send and process are one trace.
    const ambient = context.active();
    const parent =
      producer !== undefined && trace.getSpan(ambient) === undefined
        ? withRemoteParent(ambient, producer)
        : ambient;
    const span = this.#tracer.startSpan(
      names.processName,
      producer
        ? { kind: SpanKind.CONSUMER, links: [{ context: producer }], attributes: names.process }
        : { kind: SpanKind.CONSUMER, attributes: names.process },
      parent,
    );
    const recording = span.isRecording();
    if (!recording && this.#metrics === undefined) return undefined;
    if (recording) {
      span.setAttribute(Attr.messageId, job.id);
      span.setAttribute(Attr.attempt, job.attempt);
    }
    this.#metrics?.consumedMessages.add(1, names.process);
    return new OtelProcessScope(span, trace.setSpan(parent, span), names.process, job, this.#metrics);
  }
}

/** Writes a valid span context on every message (they were encoded for this send alone). */
function stampContext(messages: readonly OutgoingMessage[], spanContext: SpanContext): void {
  if (!trace.isSpanContextValid(spanContext)) return;
  const traceparent = formatTraceparent(spanContext);
  const tracestate = spanContext.traceState?.serialize();
  for (const message of messages) {
    const meta = message.meta as { traceparent?: string; tracestate?: string };
    meta.traceparent = traceparent;
    if (tracestate) meta.tracestate = tracestate;
  }
}

class OtelProcessScope implements ProcessScope {
  readonly #started = performance.now();

  constructor(
    readonly span: Span,
    readonly ctx: ReturnType<typeof context.active>,
    readonly attributes: Attributes,
    readonly job: Job<unknown>,
    readonly metrics: PolyqueueMetrics | undefined,
  ) {}

  run<R>(fn: () => R): R {
    return context.with(this.ctx, fn);
  }

  failed(error: Error): void {
    this.span.recordException(error);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    this.span.setAttribute(Attr.errorType, error.name);
    if (error.name === 'HandlerTimeoutError') this.metrics?.handlerTimeouts.add(1, this.attributes);
  }

  settled(settlement: Settlement): void {
    const { span, metrics, attributes } = this;
    switch (settlement.kind) {
      case 'ack':
        span.addEvent('polyqueue.ack');
        metrics?.attempts.record(this.job.attempt, attributes);
        break;
      case 'retry':
        span.addEvent('polyqueue.retry', {
          'polyqueue.retry.delay_ms': settlement.delayMs,
          'polyqueue.job.next_attempt': settlement.nextAttempt,
        });
        break;
      case 'dead-letter':
        span.addEvent('polyqueue.dead_letter', { 'polyqueue.dead_letter.reason': settlement.reason });
        metrics?.attempts.record(this.job.attempt, attributes);
        metrics?.deadLetters.add(1, { ...attributes, 'polyqueue.dead_letter.reason': settlement.reason });
        break;
      case 'unsettled':
        span.addEvent('polyqueue.unsettled');
        break;
    }
    span.end();
    metrics?.processDuration.record((performance.now() - this.#started) / 1000, attributes);
  }
}
