import type { Broker } from '@polyqueue/core';
import { ConfigError } from '@polyqueue/core';
import type { SqsDriver } from './sqs-driver.js';

/**
 * Finds the SqsDriver behind a broker, through the native client the broker exposes. The Lambda
 * handler needs the driver's SQS mechanism (visibility, dead-letter sends) for the same queues the
 * broker defines; the core exposes only `broker.native()`.
 */
const drivers = new WeakMap<object, SqsDriver>();

export function registerDriver(native: object, driver: SqsDriver): void {
  drivers.set(native, driver);
}

export function driverOf(broker: Broker): SqsDriver {
  const native = broker.native<object | undefined>();
  const driver = native ? drivers.get(native) : undefined;
  if (!driver) throw new ConfigError(`The Lambda handler needs an sqs:// broker, got ${broker.adapter}`);
  return driver;
}
