import { BrokerError, connect, ErrorCode, isRetryable } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { PrivateNatsServer } from './private-nats-server.js';

describe('connect-time errors carry the adapter’s codes', () => {
  let server: PrivateNatsServer;

  beforeAll(async () => {
    server = await PrivateNatsServer.start({ args: ['--user', 'polyqueue', '--pass', 'right-secret'] });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('an unreachable server (a closed port) is Unavailable, so retryable', async () => {
    const port = await freePort(); // released at once: nothing listens there
    const error = await connect(`nats://127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.Unavailable);
    expect(isRetryable(error)).toBe(true);
  });

  it('wrong credentials (authorization violation) are PermissionDenied, with the password masked', async () => {
    const error = await connect(`nats://polyqueue:wrong-secret@${server.hostPort}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.PermissionDenied);
    expect(isRetryable(error)).toBe(false);
    expect(String((error as Error).message)).not.toContain('wrong-secret');
  });

  it('the right credentials connect (the server is the one the test above was refused by)', async () => {
    const broker = await connect(`nats://polyqueue:right-secret@${server.hostPort}`);
    await broker.close();
  });
});
