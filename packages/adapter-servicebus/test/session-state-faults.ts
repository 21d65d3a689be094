import { ServiceBusError } from '@azure/service-bus';
import type { BusClient, BusSessionReceiver } from '../src/index.js';

/**
 * A BusClient whose session receivers fail `setSessionState` while their queue is in `failing`,
 * as calls fail while the namespace cannot be reached: the conformance E1 fault, for the model and
 * a live namespace alike. Everything else goes to `bus` untouched.
 */
export function withSessionStateFaults(bus: BusClient, failing: ReadonlySet<string>): BusClient {
  return forwarding(bus, (property, target) => {
    if (property !== 'acceptNextSession') return undefined;
    return async (queue: string, options: { readonly maxWaitMs: number }) => {
      const session = await target.acceptNextSession(queue, options);
      return session && failingState(session, () => failing.has(queue));
    };
  });
}

function failingState(session: BusSessionReceiver, failing: () => boolean): BusSessionReceiver {
  return forwarding(session, (property) => {
    if (property !== 'setSessionState' || !failing()) return undefined;
    return async () => {
      throw new ServiceBusError(
        'The namespace cannot be reached (injected fault).',
        'ServiceCommunicationProblem',
      );
    };
  });
}

/** A proxy that answers `override` first, and otherwise the target's own members, bound to it. */
function forwarding<T extends object>(
  target: T,
  override: (property: string | symbol, target: T) => unknown,
): T {
  return new Proxy(target, {
    get(object, property) {
      const replaced = override(property, object);
      if (replaced !== undefined) return replaced;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
