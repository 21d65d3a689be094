import type { Broker } from '@polyqueue/core';
import { platformOf } from '@polyqueue/core/driver';

/**
 * Whether this broker's adapter can redrive chosen dead letters (by id), as core's
 * `deadLetters.redrive({ ids })` does through the optional `DeadLetterStore.redriveWhere`. No
 * capability declares it, so the store is asked: making one touches nothing on the broker (every
 * adapter's `deadLetters()` only builds an object), and the queue named here is never used.
 */
export function canRedriveChosen(broker: Broker): boolean {
  const { driver, topology } = platformOf(broker.queue('polyqueue-dashboard-probe'));
  return typeof driver.deadLetters(topology).redriveWhere === 'function';
}
