import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { settled } from '../../../test/support/settled.js';
import { closeBounded } from '../src/amqp-close.js';
import { AmqpUnavailableError } from '../src/amqp-errors.js';

/** A channel or connection as amqplib makes them: close() settles only on the CloseOk. */
class FakeClosable extends EventEmitter {
  closeOk: (() => void) | undefined;
  closeResult: Promise<void> | undefined;

  close(): Promise<void> {
    this.closeResult ??= new Promise<void>((resolve) => {
      this.closeOk = () => {
        resolve();
        this.emit('close');
      };
    });
    return this.closeResult;
  }
}

describe('closeBounded', () => {
  it('fails at once, retryably, when the socket dies while the close is on the wire (amqplib never settles close() then)', async () => {
    const channel = new FakeClosable();
    const closing = closeBounded(channel, 60_000, 'closing a channel');
    closing.catch(() => undefined);
    // The socket died: amqplib moves the channel to closed and emits 'close', no CloseOk.
    channel.emit('close');
    expect(await settled(closing)).toBe(true);
    await expect(closing).rejects.toBeInstanceOf(AmqpUnavailableError);
    await expect(closing).rejects.toThrow('the connection was lost while closing a channel');
    expect(channel.listenerCount('close')).toBe(0);
  });

  it('resolves on the CloseOk, before the close event, and leaves no listener behind', async () => {
    const channel = new FakeClosable();
    const closing = closeBounded(channel, 60_000, 'closing a channel');
    channel.closeOk?.();
    await expect(closing).resolves.toBeUndefined();
    expect(channel.listenerCount('close')).toBe(0);
  });

  it("resolves when the close event comes in the same frame as the CloseOk, even ahead of close()'s answer", async () => {
    const channel = new FakeClosable();
    let answer!: () => void;
    channel.closeResult = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const closing = closeBounded(channel, 60_000, 'closing a channel');
    channel.emit('close');
    answer();
    await expect(closing).resolves.toBeUndefined();
  });

  it("passes on close()'s own failure (a channel already closed) and leaves no listener behind", async () => {
    const channel = new FakeClosable();
    channel.closeResult = Promise.reject(new Error('Channel closed'));
    await expect(closeBounded(channel, 60_000, 'closing a channel')).rejects.toThrow('Channel closed');
    expect(channel.listenerCount('close')).toBe(0);
  });

  it('still gives up after its bound when neither the CloseOk nor a close event comes (a silent partition)', async () => {
    const channel = new FakeClosable();
    await expect(closeBounded(channel, 20, 'closing a channel')).rejects.toThrow(
      'RabbitMQ did not answer within 20 ms: closing a channel',
    );
    expect(channel.listenerCount('close')).toBe(0);
  });
});
