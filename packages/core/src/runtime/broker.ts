import { inspect } from 'node:util';
import type { Clock } from '../clock/clock.js';
import type { Capabilities } from '../driver/capabilities.js';
import type { Driver } from '../driver/driver.js';
import type { QueueTopology } from '../driver/queue-topology.js';
import { ClosedError } from '../errors/closed-error.js';
import { ConfigError } from '../errors/config-error.js';
import { QueueNotFoundError } from '../errors/queue-not-found-error.js';
import { UnsupportedFeatureError } from '../errors/unsupported-error.js';
import type { Instrumentation, InstrumentationSlot } from '../instrument/instrumentation.js';
import { compileBackoff, DEFAULT_BACKOFF } from '../policy/backoff.js';
import type { Serializer } from '../serialization/serializer.js';
import { BrokerErrorEvents, type BrokerErrorListener } from './broker-error-events.js';
import type { Logger } from './logger.js';
import { asNative, type NativeType } from './native-type.js';
import type { QueueOptions } from './options.js';
import { printableCapabilities } from './printable-capabilities.js';
import { Queue } from './queue.js';
import type { ManagedWorker, QueueRuntime } from './queue-runtime.js';
import { wrapDriverError } from './wrap-error.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_LEASE_MS = 30_000;
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

export interface BrokerSettings {
  readonly driver: Driver;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly serializer: Serializer;
  readonly provision: boolean;
  /** The URL with credentials masked, for display. */
  readonly redactedUrl: string;
  /** The URL's credentials, masked wherever an error or log line might quote them. */
  readonly secrets: readonly string[];
}

/** A connection to one broker. Create queues from it; close it to stop everything gracefully. */
export class Broker {
  readonly #settings: BrokerSettings;
  readonly #provisioned = new Map<string, Promise<void>>();
  readonly #workers = new Set<ManagedWorker>();
  readonly #instrumentation: InstrumentationSlot = { current: undefined };
  readonly #backgroundErrors: BrokerErrorEvents;
  readonly #capabilities: Capabilities;
  #closing: Promise<void> | undefined;

  /** @internal Use `connect()`. */
  constructor(settings: BrokerSettings) {
    this.#settings = settings;
    this.#capabilities = printableCapabilities(settings.driver.capabilities);
    this.#backgroundErrors = new BrokerErrorEvents(settings.driver, settings.logger, settings.secrets);
    settings.driver.reportErrorsTo?.(this.#backgroundErrors.report);
  }

  /**
   * Errors of work no caller awaits: a delay forwarder, a dead-letter copier, a reconnect. Each
   * arrives wrapped once with the adapter's code, credentials masked, with the action and queue.
   * They are also logged; with no listener they are only logged, never thrown.
   */
  on(event: 'error', listener: BrokerErrorListener): this {
    if (event !== 'error') throw new ConfigError(`Broker has no "${String(event)}" event`);
    this.#backgroundErrors.add(listener);
    return this;
  }

  off(event: 'error', listener: BrokerErrorListener): this {
    if (event === 'error') this.#backgroundErrors.remove(listener);
    return this;
  }

  /**
   * @internal Reports a failure of core's own background work on this broker (an outbox relay's
   * move), routed as a driver's are: wrapped once, logged, handed to the 'error' listeners.
   */
  reportError(action: string, queue: string | undefined, error: unknown): void {
    this.#backgroundErrors.report({ action, ...(queue === undefined ? {} : { queue }), error });
  }

  /** The adapter's name, e.g. "memory" or "amqp". */
  get adapter(): string {
    return this.#settings.driver.name;
  }

  /**
   * What this broker can do. Same names as the adapter README's Characteristics table. In JSON,
   * an unlimited value (e.g. `maxNativeDelayMs`) is written "Infinity", not null.
   */
  get capabilities(): Capabilities {
    return this.#capabilities;
  }

  /** The clock this broker keeps time by (virtual for a test broker). */
  get clock(): Clock {
    return this.#settings.clock;
  }

  /**
   * The native client: the escape hatch. Each adapter documents its type. Checked form, as
   * go-cloud's `As`: `broker.native(SQSClient)` returns it typed when it is one (`instanceof`, or
   * the predicate of a `{ name, is }` type), and throws a `NativeTypeError` naming both types
   * otherwise. The unchecked form `broker.native<T>()` only casts.
   */
  native<N = unknown>(): N;
  native<N>(type: NativeType<N>): N;
  native<N>(type?: NativeType<N>): N {
    const client = this.#settings.driver.native();
    if (type === undefined) return client as N;
    return asNative(client, type, `the ${this.#settings.driver.name} broker's native client`);
  }

  /**
   * Installs tracing/metrics hooks for every queue of this broker, those already created too
   * (`instrument(broker)` of `@polyqueue/otel` calls this). `undefined` removes them. The one
   * replaced or removed is told (`uninstalled`), so it can stop what it runs on its own.
   */
  instrument(instrumentation: Instrumentation | undefined): this {
    const previous = this.#instrumentation.current;
    this.#instrumentation.current = instrumentation;
    if (previous !== instrumentation) previous?.uninstalled?.();
    return this;
  }

  /**
   * The names of the queues polyqueue provisioned on this broker (within the URL's prefix or
   * namespace), sorted; dead-letter queues and the adapter's own delay entities are not listed.
   * Fails with `UnsupportedFeatureError` where the broker cannot list (`capabilities.listQueues`).
   */
  async queues(): Promise<string[]> {
    this.#assertOpen('list queues');
    const { driver, secrets, provision } = this.#settings;
    // A driver that can list on some connections only rejects itself, saying what is missing.
    if (driver.queues === undefined) throw new UnsupportedFeatureError('listQueues', driver.name);
    try {
      return [...(await driver.queues())].sort();
    } catch (error) {
      throw wrapDriverError(driver, '', error, 'list queues', secrets, provision);
    }
  }

  /**
   * Resolves once the broker answered a round trip with these credentials; rejects with the wrapped
   * error otherwise (Unavailable, PermissionDenied...). Where `connect()` already connected, it did.
   */
  async checkConnection(): Promise<void> {
    this.#assertOpen('check the connection');
    const { driver, secrets, provision } = this.#settings;
    try {
      await driver.checkConnection?.();
    } catch (error) {
      throw wrapDriverError(driver, '', error, 'check the connection', secrets, provision);
    }
  }

  /** Defines (or re-opens) a queue. Nothing touches the broker until the first use. */
  queue<T = unknown, I = T>(name: string, options: QueueOptions<T, I> = {}): Queue<T, I> {
    this.#assertOpen('create a queue');
    if (!QUEUE_NAME.test(name)) {
      throw new ConfigError(
        `Queue name "${name}" must be 1-120 characters of letters, digits, ".", "_" or "-"`,
      );
    }
    const { driver, clock, logger } = this.#settings;
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new ConfigError('maxAttempts must be an integer >= 1');
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const lease = driver.capabilities.lease;
    if (!Number.isFinite(leaseMs) || leaseMs < lease.minMs || leaseMs > lease.maxMs) {
      throw new ConfigError(
        `leaseMs must be between ${lease.minMs} and ${lease.maxMs} on ${driver.name}, got ${leaseMs}`,
      );
    }
    if (options.handlerTimeoutMs !== undefined && !(options.handlerTimeoutMs > 0)) {
      throw new ConfigError('handlerTimeoutMs must be > 0');
    }
    const deadLetterName = options.deadLetterQueue ?? `${name}.dlq`;
    if (!QUEUE_NAME.test(deadLetterName) || deadLetterName === name) {
      throw new ConfigError(`Invalid dead-letter queue name "${deadLetterName}"`);
    }
    const topology: QueueTopology = { name, deadLetterName, leaseMs, maxAttempts };
    const wrapError = (error: unknown, action: string) => {
      const { secrets, provision } = this.#settings;
      const wrapped = wrapDriverError(driver, name, error, action, secrets, provision);
      // Provisioned once per process, the queue can still vanish (deleted by hand, a Redis without
      // persistence restarted): forget it, so the next operation creates it again instead of every
      // later send failing for good.
      if (provision && wrapped instanceof QueueNotFoundError) this.#provisioned.delete(name);
      return wrapped;
    };
    const runtime: QueueRuntime<T> = {
      driver,
      topology,
      clock,
      logger,
      serializer: options.serializer ?? this.#settings.serializer,
      schema: options.schema,
      backoff: compileBackoff(options.backoff ?? DEFAULT_BACKOFF),
      handlerTimeoutMs: options.handlerTimeoutMs,
      instrumentation: this.#instrumentation,
      wrapError,
      ensureProvisioned: () => this.#ensureProvisioned(topology, wrapError),
      assertOpen: (operation) => this.#assertOpen(operation),
      remember: (worker) => this.#workers.add(worker),
      forget: (worker) => this.#workers.delete(worker),
    };
    return new Queue<T, I>(runtime);
  }

  /**
   * Closes every worker (each waits for its running handlers, up to `timeoutMs`), then the
   * connection. Idempotent; after it, send and process fail with ClosedError.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#workers].map((worker) => worker.close(options)));
      await this.#settings.driver.close('graceful');
    })();
    return this.#closing;
  }

  /**
   * @internal Simulates a crash for tests: workers stop dead, nothing is settled, the connection
   * is dropped. Exposed through `@polyqueue/core/testing` as `simulateCrash`.
   */
  async abandon(): Promise<void> {
    if (this.#closing === undefined) {
      for (const worker of this.#workers) worker.halt();
      this.#workers.clear();
      this.#closing = this.#settings.driver.close('abandon');
    }
    await this.#closing;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  toJSON(): { adapter: string; url: string } {
    return { adapter: this.adapter, url: this.#settings.redactedUrl };
  }

  toString(): string {
    return `Broker(${this.#settings.redactedUrl})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #assertOpen(operation: string): void {
    if (this.#closing !== undefined) throw new ClosedError('broker', operation);
  }

  #ensureProvisioned(
    topology: QueueTopology,
    wrapError: (error: unknown, action: string) => Error,
  ): Promise<void> {
    if (!this.#settings.provision) return Promise.resolve();
    let done = this.#provisioned.get(topology.name);
    if (done === undefined) {
      done = this.#settings.driver.provision(topology).catch((error) => {
        this.#provisioned.delete(topology.name);
        throw wrapError(error, 'provision');
      });
      this.#provisioned.set(topology.name, done);
    }
    return done;
  }
}
