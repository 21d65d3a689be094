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
    ...delegatingDriver(inner, {
      name: 'fake',
      capabilities: { ...inner.capabilities, ...overrides },
      send: (queue, messages) => {
        sent.push(...messages);
        return inner.send(queue, messages);
      },
    }),
    sent,
  };
}

/** A driver that forwards every method to `inner`, except those given in `own`. */
export function delegatingDriver(inner: Driver, own: Partial<Driver>): Driver {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    ...(inner.clock ? { clock: inner.clock } : {}),
    provision: (queue) => inner.provision(queue),
    send: (queue, messages) => inner.send(queue, messages),
    receiver: (queue, options) => inner.receiver(queue, options),
    deadLetters: (queue) => inner.deadLetters(queue),
    stats: (queue) => inner.stats(queue),
    errorCode: (error) => inner.errorCode(error),
    native: () => inner.native(),
    close: (mode) => inner.close(mode),
    ...own,
  };
}
