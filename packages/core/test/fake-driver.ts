import type { Capabilities, Driver, OutgoingMessage } from '../src/driver/index.js';
import { MemoryServer } from '../src/index.js';

/** A memory driver with overridden capabilities that records what reached `send`. */
export function fakeDriver(
  overrides: Partial<Capabilities>,
  server = new MemoryServer(),
): Driver & { sent: OutgoingMessage[] } {
  const inner = server.connect();
  const sent: OutgoingMessage[] = [];
  return {
    name: 'fake',
    capabilities: { ...inner.capabilities, ...overrides },
    clock: inner.clock,
    sent,
    provision: (queue) => inner.provision(queue),
    send: (queue, messages) => {
      sent.push(...messages);
      return inner.send(queue, messages);
    },
    receiver: (queue, options) => inner.receiver(queue, options),
    deadLetters: (queue) => inner.deadLetters(queue),
    stats: (queue) => inner.stats(queue),
    errorCode: (error) => inner.errorCode(error),
    native: () => inner.native(),
    close: (mode) => inner.close(mode),
  };
}
