import { describe, expect, it } from 'vitest';
import { asNative, connect, ErrorCode, MemoryServer, NativeTypeError } from '../src/index.js';

class SomeSdkClient {}

describe('broker.native(Type): the checked escape hatch, as go-cloud As', () => {
  it('returns the native client typed when it is an instance of Type', async () => {
    const server = new MemoryServer();
    const broker = await connect({ driver: server.connect() });
    const client: MemoryServer = broker.native(MemoryServer);
    expect(client).toBe(server);
    expect(broker.native()).toBe(server);
    await broker.close();
  });

  it('throws a NativeTypeError naming both types otherwise', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    let thrown: unknown;
    try {
      broker.native(SomeSdkClient);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NativeTypeError);
    const error = thrown as NativeTypeError;
    expect(error.code).toBe(ErrorCode.InvalidArgument);
    expect(error.expected).toBe('SomeSdkClient');
    expect(error.actual).toBe('MemoryServer');
    expect(error.message).toBe("the memory broker's native client is a MemoryServer, not a SomeSdkClient");
    await broker.close();
  });

  it('accepts a named predicate for SDK clients that are interfaces', async () => {
    const broker = await connect({ driver: new MemoryServer().connect() });
    const hasQueues = {
      name: 'QueueHolder',
      is: (value: unknown): value is { queueNames(): string[] } =>
        typeof (value as { queueNames?: unknown })?.queueNames === 'function',
    };
    expect(broker.native(hasQueues).queueNames()).toEqual([]);
    const never = { name: 'NatsConnection', is: (_value: unknown): _value is never => false };
    expect(() => broker.native(never)).toThrow(/is a MemoryServer, not a NatsConnection/);
    await broker.close();
  });

  it('asNative describes non-objects plainly', () => {
    expect(() => asNative(undefined, SomeSdkClient, 'job.raw')).toThrow(
      'job.raw is undefined, not a SomeSdkClient',
    );
    expect(() => asNative('text', SomeSdkClient)).toThrow(
      'the native object is a string, not a SomeSdkClient',
    );
  });
});
