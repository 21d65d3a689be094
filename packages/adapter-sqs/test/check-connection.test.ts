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
});
