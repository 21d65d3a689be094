import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AdapterModule, BackgroundErrorSink, Driver } from '../src/driver/index.js';
import { BrokerError, connect, ErrorCode, type Logger, MemoryServer } from '../src/index.js';

const SECRET = 'hunter2-very-secret';

/** A memory driver that keeps the sink core hands it, so a test can report as an adapter would. */
function stubAdapter(): { adapter: AdapterModule; sink: () => BackgroundErrorSink | undefined } {
  let sink: BackgroundErrorSink | undefined;
  const adapter: AdapterModule = {
    schemes: ['stub'],
    parameters: [],
    createDriver: async () => {
      const inner = new MemoryServer().connect();
      const driver: Driver = {
        name: 'stub',
        capabilities: inner.capabilities,
        clock: inner.clock,
        provision: (queue) => inner.provision(queue),
        send: (queue, messages) => inner.send(queue, messages),
        receiver: (queue, options) => inner.receiver(queue, options),
        deadLetters: (queue) => inner.deadLetters(queue),
        stats: (queue) => inner.stats(queue),
        errorCode: (error) =>
          (error as { code?: string }).code === 'E_STUB_DOWN' ? ErrorCode.Unavailable : ErrorCode.Unknown,
        native: () => inner.native(),
        close: (mode) => inner.close(mode),
        reportErrorsTo: (given) => {
          sink = given;
        },
      };
      return driver;
    },
  };
  return { adapter, sink: () => sink };
}

function recordingLogger(): Logger & { lines: { level: string; message: string; detail: unknown }[] } {
  const lines: { level: string; message: string; detail: unknown }[] = [];
  return {
    lines,
    warn: (message, detail) => lines.push({ level: 'warn', message, detail }),
    error: (message, detail) => lines.push({ level: 'error', message, detail }),
  };
}

function nativeError(): Error {
  return Object.assign(new Error(`socket to amqp://guest:${SECRET}@host:5672 closed`), {
    code: 'E_STUB_DOWN',
  });
}

describe('background errors: Driver.reportErrorsTo and broker.on("error")', () => {
  it('hands the driver a sink right after the broker is built', async () => {
    const { adapter, sink } = stubAdapter();
    const broker = await connect(`stub://guest:${SECRET}@host`, { adapters: { stub: adapter } });
    expect(sink()).toBeTypeOf('function');
    await broker.close();
  });

  it('delivers a report to the listener wrapped once with the driver code, credentials masked', async () => {
    const { adapter, sink } = stubAdapter();
    const logger = recordingLogger();
    const broker = await connect(`stub://guest:${SECRET}@host`, { adapters: { stub: adapter }, logger });
    const seen: { error: BrokerError; info: { action: string; queue?: string } }[] = [];
    broker.on('error', (error, info) => seen.push({ error, info }));
    const cause = nativeError();
    sink()!({ action: 'forward', queue: 'emails', error: cause });
    expect(seen).toHaveLength(1);
    const { error, info } = seen[0]!;
    expect(info).toEqual({ action: 'forward', queue: 'emails' });
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.code).toBe(ErrorCode.Unavailable);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('stub');
    expect(error.message).toContain('forward');
    expect(error.message).toContain('"emails"');
    // Wrapped once: the cause is the native error (or its redacted copy), never another wrapper.
    expect(error.cause).not.toBeInstanceOf(BrokerError);
    expect((error.cause as Error).message).toContain('socket to amqp://');
    expect(inspect(error, { depth: 6 })).not.toContain(SECRET);
    // Logged too, with queue, action and code, at warn for a retryable code.
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.level).toBe('warn');
    expect(logger.lines[0]!.detail).toMatchObject({
      queue: 'emails',
      action: 'forward',
      code: 'Unavailable',
    });
    expect(inspect(logger.lines, { depth: 6 })).not.toContain(SECRET);
    await broker.close();
  });

  it('only logs, and never throws, when there is no listener', async () => {
    const { adapter, sink } = stubAdapter();
    const logger = recordingLogger();
    const broker = await connect(`stub://guest:${SECRET}@host`, { adapters: { stub: adapter }, logger });
    expect(() => sink()!({ action: 'copy-exhausted', error: new Error(`boom ${SECRET}`) })).not.toThrow();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]!.level).toBe('error');
    expect(logger.lines[0]!.message).toContain('copy-exhausted');
    expect(logger.lines[0]!.detail).toMatchObject({ action: 'copy-exhausted', code: 'Unknown' });
    expect(inspect(logger.lines, { depth: 6 })).not.toContain(SECRET);
    await broker.close();
  });

  it('stops calling a listener after off(), and survives a listener that throws', async () => {
    const { adapter, sink } = stubAdapter();
    const logger = recordingLogger();
    const broker = await connect(`stub://guest:${SECRET}@host`, { adapters: { stub: adapter }, logger });
    let calls = 0;
    const listener = () => {
      calls++;
    };
    broker.on('error', listener);
    broker.on('error', () => {
      throw new Error('listener bug');
    });
    expect(() => sink()!({ action: 'reconnect', error: nativeError() })).not.toThrow();
    broker.off('error', listener);
    sink()!({ action: 'reconnect', error: nativeError() });
    expect(calls).toBe(1);
    expect(logger.lines.some((line) => line.message.includes('listener threw'))).toBe(true);
    await broker.close();
  });

  it('does not wrap twice a BrokerError the driver already built', async () => {
    const { adapter, sink } = stubAdapter();
    const broker = await connect(`stub://guest:${SECRET}@host`, {
      adapters: { stub: adapter },
      logger: recordingLogger(),
    });
    const seen: BrokerError[] = [];
    broker.on('error', (error) => seen.push(error));
    const built = new BrokerError('stub: already wrapped', ErrorCode.PermissionDenied, new Error('native'));
    sink()!({ action: 'redeclare', queue: 'q', error: built });
    expect(seen).toEqual([built]);
    const leaky = new BrokerError(
      `stub: login as guest:${SECRET} refused`,
      ErrorCode.PermissionDenied,
      nativeError(),
    );
    sink()!({ action: 'reconnect', error: leaky });
    expect(seen[1]).toBeInstanceOf(BrokerError);
    expect(seen[1]!.code).toBe(ErrorCode.PermissionDenied);
    expect(inspect(seen[1], { depth: 6 })).not.toContain(SECRET);
    await broker.close();
  });
});
