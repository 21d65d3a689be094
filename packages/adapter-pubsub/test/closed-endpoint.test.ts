import { randomBytes } from 'node:crypto';
import { connect, ErrorCode } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteProject, PSTEST_HOST, requirePstest } from './pstest.js';

// A closed loopback port: the SDK's own settings retry UNAVAILABLE on admin calls for 60 s, past
// this file's 30 s test timeout, so a case that ends at all ended by api_timeout_ms.
const CLOSED = 'pubsub://pq-closed?emulator_host=127.0.0.1:1';

describe('Pub/Sub administrative calls on an endpoint that does not answer', () => {
  it('stats fails by api_timeout_ms, SDK retries included, with DeadlineExceeded', async () => {
    const broker = await connect(`${CLOSED}&api_timeout_ms=2000`, { provision: false });
    try {
      await expect(broker.queue('jobs').stats()).rejects.toMatchObject({ code: ErrorCode.DeadlineExceeded });
      await expect(broker.queues()).rejects.toMatchObject({ code: ErrorCode.DeadlineExceeded });
    } finally {
      await broker.close();
    }
  });

  it('checkConnection fails in one attempt with Unavailable (connect() alone resolved)', async () => {
    const broker = await connect(CLOSED);
    try {
      await expect(broker.checkConnection()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    } finally {
      await broker.close();
    }
  });

  it('api_timeout_ms is a whole number from 100 to 600000', async () => {
    await expect(connect(`${CLOSED}&api_timeout_ms=50`)).rejects.toThrow(/api_timeout_ms/);
    await expect(connect(`${CLOSED}&api_timeout_ms=soon`)).rejects.toThrow(/api_timeout_ms/);
  });
});

describe('checkConnection on pstest', async () => {
  await requirePstest();
  const project = `pqcheck-${randomBytes(4).toString('hex')}`;
  afterAll(() => deleteProject(project));

  it('resolves where the emulator answers', async () => {
    const broker = await connect(`pubsub://${project}?emulator_host=${PSTEST_HOST}`);
    try {
      await expect(broker.checkConnection()).resolves.toBeUndefined();
    } finally {
      await broker.close();
    }
  });
});
