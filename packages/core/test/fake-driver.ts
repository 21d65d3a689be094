import type { Capabilities, Delivery, Driver, OutgoingMessage } from '../src/driver/index.js';
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

/** A driver over `inner` whose receivers pass every batch they receive through `map` first. */
export function mappingReceives(
  inner: Driver,
  map: (deliveries: readonly Delivery[]) => readonly Delivery[],
): Driver {
  return delegatingDriver(inner, {
    receiver: (queue, options) => {
      const receiver = inner.receiver(queue, options);
      return {
        ...receiver,
        receive: async (max, signal) => map(await receiver.receive(max, signal)),
        close: () => receiver.close(),
      };
    },
  });
}
