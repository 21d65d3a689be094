import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { connect } from '@polyqueue/core';
import { instrument } from '@polyqueue/otel';

/** The memory broker with a native delay maximum of 100 ms: the 500 ms delay below hops (a forwarder). */
export const STORY_URL = 'memory://trace-story?max_native_delay_ms=100';
const STORY_BOUND_MS = 20_000;

/**
 * One job's whole life as one trace: a web request sends it with a delay longer than the broker's
 * native maximum; the handler fails, is retried, fails again and the job is dead-lettered; an
 * operator redrives it once the mail server is back, and it succeeds. Every span goes to
 * `spanProcessor`. Resolves with the trace id once the job succeeded.
 */
export async function runTraceStory(spanProcessor: SpanProcessor, url = STORY_URL): Promise<string> {
  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'signup-service' }),
    spanProcessors: [spanProcessor],
  });
  tracerProvider.register();
  const broker = instrument(await connect(url), { tracerProvider, meterProvider: false });
  try {
    const emails = broker.queue<{ to: string }>('welcome-emails', {
      maxAttempts: 2,
      backoff: { type: 'fixed', delayMs: 200 },
    });
    let mailServerUp = false;
    const worker = emails.process(async () => {
      if (!mailServerUp) throw new Error('451 mail server busy, try again later');
    });
    const deadLettered = within(
      new Promise((resolve) => worker.once('dead-lettered', resolve)),
      'dead-lettered',
    );
    const completed = within(new Promise((resolve) => worker.once('completed', resolve)), 'completed');

    const tracer = tracerProvider.getTracer('signup-service');
    const traceId = await tracer.startActiveSpan(
      'POST /signup',
      { kind: SpanKind.SERVER },
      async (request) => {
        await emails.send({ to: 'ada@example.com' }, { delay: 500 });
        request.end();
        return request.spanContext().traceId;
      },
    );
    await deadLettered;
    mailServerUp = true;
    await emails.deadLetters.redrive();
    await completed;
    return traceId;
  } finally {
    await broker.close();
    await tracerProvider.shutdown();
    // register() set globals: leave the process as it was.
    trace.disable();
    context.disable();
  }
}

/** `promise`, or a rejection after STORY_BOUND_MS: a story that went wrong must not hang. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`trace story: not ${what} within ${STORY_BOUND_MS} ms`)),
      STORY_BOUND_MS,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
