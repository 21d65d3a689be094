import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../src/index.js';
import { connect, MemoryServer, QueueNotFoundError } from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

/** A memory driver whose queue can be made to vanish, as when a broker loses its data. */
function vanishingDriver() {
  const inner = new MemoryServer().connect();
  const state = { gone: false, provisions: 0 };
  const driver = delegatingDriver(inner, {
    provision: async (queue) => {
      state.provisions++;
      state.gone = false;
      await inner.provision(queue);
    },
    send: async (queue, messages) => {
      if (state.gone) throw Object.assign(new Error('no such queue'), { notFound: true });
      return inner.send(queue, messages);
    },
    errorCode: (error) => ((error as { notFound?: boolean }).notFound ? 'NotFound' : inner.errorCode(error)),
  });
  return { driver, state };
}

describe('a queue that vanishes after it was provisioned', () => {
  let broker: Broker | undefined;
  afterEach(() => broker?.close());

  it('fails one send with a QueueNotFoundError that says so, and the next send provisions it again', async () => {
    const { driver, state } = vanishingDriver();
    broker = await connect({ driver });
    const queue = broker.queue('jobs');
    await queue.send({ n: 1 });
    expect(state.provisions).toBe(1);

    state.gone = true;
    const error = await queue.send({ n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as Error).message).toMatch(/created it in this process/);
    expect((error as Error).message).not.toMatch(/provisioning is off/);

    await expect(queue.send({ n: 3 })).resolves.toEqual(expect.any(String));
    expect(state.provisions).toBe(2);
  });

  it('with provisioning off, says provisioning is off and never provisions', async () => {
    const { driver, state } = vanishingDriver();
    state.gone = true;
    broker = await connect({ driver, provision: false });
    const error = await broker
      .queue('jobs')
      .send({ n: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect((error as Error).message).toMatch(/provisioning is off/);
    expect(state.provisions).toBe(0);
  });
});
