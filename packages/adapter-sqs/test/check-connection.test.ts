import { createServer, type Socket } from 'node:net';
import { connect, ErrorCode } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from './emulator.js';

// The SDK client connects lazily: connect() resolves whatever the endpoint, checkConnection is the
// round trip. The emulator accepts any credentials, so a refused one is not tested here.
const emulator = await startEmulator('check');
afterAll(() => emulator.stop());

describe('SQS checkConnection', () => {
  it('resolves where the endpoint answers', async () => {
    const broker = await connect(
      `sqs://?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}&queue_prefix=${emulator.prefix}`,
    );
    try {
      await expect(broker.checkConnection()).resolves.toBeUndefined();
    } finally {
      await broker.close();
    }
  });

  it('rejects with Unavailable on a closed port', async () => {
    const broker = await connect('sqs://?region=us-east-1&endpoint=http%3A%2F%2F127.0.0.1%3A1');
    try {
      await expect(broker.checkConnection()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    } finally {
      await broker.close();
    }
  });

  it('gives up on an endpoint that accepts and never answers, within api_timeout_ms per attempt', async () => {
    // What a host dropping packets mid-request looks like: without the bound the SDK waits forever.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const broker = await connect(
      `sqs://?region=us-east-1&endpoint=${encodeURIComponent(`http://127.0.0.1:${port}`)}&api_timeout_ms=200&wait_time_seconds=0`,
    );
    try {
      await expect(broker.checkConnection()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      await broker.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  it('refuses a bad api_timeout_ms', async () => {
    await expect(connect('sqs://?region=us-east-1&api_timeout_ms=5')).rejects.toThrow(/api_timeout_ms/);
  });
});
