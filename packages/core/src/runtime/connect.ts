import type { Clock } from '../clock/clock.js';
import { systemClock } from '../clock/system-clock.js';
import { type AdapterSource, resolveDriver } from '../config/resolve-driver.js';
import { redactingLogger } from '../config/secrets.js';
import type { Driver } from '../driver/driver.js';
import { ConfigError } from '../errors/config-error.js';
import { jsonSerializer } from '../serialization/json-serializer.js';
import type { Serializer } from '../serialization/serializer.js';
import { Broker } from './broker.js';
import { consoleLogger, type Logger } from './logger.js';

export interface ConnectOptions {
  /** The broker URL, e.g. `amqp://user:pass@host:5672/vhost`. Equivalent to the first argument. */
  readonly url?: string;
  /** A ready-made driver instead of a URL (a shared native client, a custom adapter). */
  readonly driver?: Driver;
  /**
   * Create queues, dead-letter queues and delay machinery on first use. Default true. Turn it off
   * where infrastructure is managed elsewhere: a missing queue then fails with QueueNotFoundError.
   */
  readonly provision?: boolean;
  /** Default serializer for every queue. Default: UTF-8 JSON. */
  readonly serializer?: Serializer;
  /** Where runtime errors without an `error` listener go. Default: console. */
  readonly logger?: Logger;
  /** Adapters for extra schemes, or overrides of the built-in ones. */
  readonly adapters?: Readonly<Record<string, AdapterSource>>;
  /** The time source; the memory adapter accepts a VirtualClock. Default: wall clock. */
  readonly clock?: Clock;
}

/**
 * Connects to the broker named by the URL's scheme: `memory://`, `amqp://`, `nats://`, `sqs://`,
 * `pubsub://`, `servicebus://`. The adapter package is imported on first use.
 */
export async function connect(
  target: string | ConnectOptions,
  options: Omit<ConnectOptions, 'url'> = {},
): Promise<Broker> {
  const settings: ConnectOptions = typeof target === 'string' ? { ...options, url: target } : target;
  if (settings.driver && settings.url) throw new ConfigError('Give either a url or a driver, not both');
  let driver = settings.driver;
  let redactedUrl = `${driver?.name ?? ''}://`;
  let secrets: readonly string[] = [];
  if (!driver) {
    if (typeof settings.url !== 'string')
      throw new ConfigError('connect() needs a URL, e.g. connect("memory://")');
    const resolved = await resolveDriver(settings.url, {
      ...(settings.adapters ? { adapters: settings.adapters } : {}),
      ...(settings.clock ? { clock: settings.clock } : {}),
    });
    driver = resolved.driver;
    redactedUrl = resolved.redacted;
    secrets = resolved.secrets;
  }
  return new Broker({
    driver,
    clock: driver.clock ?? settings.clock ?? systemClock,
    logger: redactingLogger(settings.logger ?? consoleLogger, secrets),
    secrets,
    serializer: settings.serializer ?? jsonSerializer,
    provision: settings.provision ?? true,
    redactedUrl,
  });
}
