import { type Context, createTraceState, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';

// W3C Trace Context, version 00: https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = /^0+$/;

/**
 * The wire format is W3C trace context whatever propagator the application registered, so any
 * consumer in any language can read it: we format and parse it here rather than through
 * `propagation.inject`, which would write nothing when no global propagator is set.
 */
export function formatTraceparent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The producer's span context carried by a job, or undefined when absent or malformed. */
export function parseTraceContext(
  traceparent: string | undefined,
  tracestate: string | undefined,
): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (INVALID_TRACE.test(traceId) || INVALID_TRACE.test(spanId)) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
}

/** `context` with `remote` as its (remote) parent span. */
export function withRemoteParent(context: Context, remote: SpanContext): Context {
  return trace.setSpanContext(context, remote);
}
