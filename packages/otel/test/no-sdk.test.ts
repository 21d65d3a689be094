import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { connect, MemoryServer, VirtualClock } from '@polyqueue/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createInstrumentation, instrument } from '../src/index.js';

/** The least context manager that follows async calls: the API's own is a no-op without an SDK. */
class StorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const CALLER: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
};

async function memoryBroker() {
  const clock = new VirtualClock();
  const server = new MemoryServer({ clock });
  return { broker: await connect({ driver: server.connect() }), clock, server };
}

// Nothing is registered with the API here but what a test registers, and it unregisters it.
afterEach(() => {
  trace.disable();
  context.disable();
});

describe('@polyqueue/otel with no SDK registered (the API alone)', () => {
  it('the hooks return no scope: core skips the span wrapper and its cost', () => {
    const hooks = createInstrumentation();
    const job = { id: 'j1', attempt: 1, traceparent: `00-${CALLER.traceId}-${CALLER.spanId}-01` };
    expect(hooks.send('no-sdk-scope', 'memory', [])).toBeUndefined();
    expect(hooks.process('no-sdk-scope', 'memory', job as never)).toBeUndefined();
  });

  it("a send still carries the caller's trace context, as the no-op span would", async () => {
    context.setGlobalContextManager(new StorageContextManager());
    const { broker, server } = await memoryBroker();
    instrument(broker);
    const q = broker.queue<string>('no-sdk-inherit');
    await context.with(trace.setSpanContext(ROOT_CONTEXT, CALLER), () => q.send('in a trace'));
    await q.send('outside');
    const raw = JSON.stringify(server.consumeRaw('no-sdk-inherit'));
    expect(raw.match(/00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01/g)).toHaveLength(1);
    await broker.close();
  });

  it('an SDK registered after instrument() is used from then on', async () => {
    const { broker, clock } = await memoryBroker();
    instrument(broker);
    const q = broker.queue<string>('no-sdk-later');
    await q.send('before');
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    await q.send('after');
    const worker = q.process(() => {});
    await clock.advance(10);
    await worker.close();
    const names = exporter.getFinishedSpans().map((span) => span.name);
    expect(names.filter((name) => name === 'send no-sdk-later')).toHaveLength(1);
    expect(names.filter((name) => name === 'process no-sdk-later')).toHaveLength(2);
    await broker.close();
  });
});
