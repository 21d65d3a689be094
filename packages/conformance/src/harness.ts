import type { AdapterSource, Broker, Capabilities, NativeType } from '@polyqueue/core';

/**
 * A fault the harness can make in the adapter's background work (rule E1): work no caller awaits,
 * such as a delay forwarder, a dead-letter copier, a reconnect or a redeclare.
 */
export interface BackgroundFault {
  /** The `action` the adapter reports this fault as, e.g. 'forward'. */
  readonly action: string;
  /**
   * Whether the report names the queue (default true). Set false only for connection-wide work
   * (a reconnect), whose report has no queue.
   */
  readonly perQueue?: boolean;
  /**
   * The broker E1 runs on. Connect with `connect(url)` where `url` carries a password (or key)
   * the adapter accepts, and return it as `secret`: the rule checks it shows nowhere in the error.
   * Default: `harness.connect()`, and only the URL-shaped credentials check.
   */
  connect?(): Promise<{ readonly broker: Broker; readonly secret?: string }>;
  /**
   * Makes background work of `broker` on `queue` fail, and resolves once the fault is in place.
   * Before calling it the rule has provisioned `queue`, listened on `broker.on('error')` and
   * started a worker on it (background work runs while a receiver is open); after, it sends a
   * job with a delay of one nominal second, then waits for the report. Make the failing native
   * error quote the connection's credentials where the broker lets you (e.g. an error built from
   * the URL): the rule then checks that they were masked.
   */
  inject(broker: Broker, queue: string): Promise<void>;
}

/** The documented native types (rule X1): what `broker.native()` and `job.raw` are. */
export interface NativeTypes {
  /** `broker.native()`: a class, or `{ name, is }` for an SDK whose client is an interface. */
  readonly client: NativeType<unknown>;
  /** `job.raw` (the driver's `Delivery.native`). */
  readonly message: NativeType<unknown>;
}

/** A message as a plain native producer or consumer sees it (rule I1). */
export interface NativeMessage {
  readonly body: Uint8Array;
  /** Native headers / attributes as strings. */
  readonly headers: Readonly<Record<string, string>>;
}

/** How the suite keeps time: real time, or a virtual clock that the suite drives. */
export interface SuiteTime {
  now(): number;
  /** Let `ms` pass. On a virtual clock this advances it (running due timers) instead of waiting. */
  sleep(ms: number): Promise<void>;
}

/**
 * What an adapter gives the suite. Everything broker-specific lives here; the rules themselves are
 * written once, against the portable API.
 */
export interface ConformanceHarness {
  /** Shown in the describe() title, e.g. "memory (virtual clock)". */
  readonly name: string;
  /**
   * What the broker under test declares: exactly `broker.capabilities` of a connection made with
   * `connect()`. Needed before any test runs, because a rule whose capability is absent must be
   * registered as skipped, and test runners register tests synchronously. Connect once in the
   * adapter's test file (top-level await) or build the driver and read it. Every test checks that
   * its connections declare the same, so a stale value cannot silently skip a rule.
   */
  readonly capabilities: Capabilities;
  /**
   * A new, independent connection to the broker under test (a separate process, as far as the
   * broker can tell). Every call must reach the same broker. The harness applies its own
   * test settings here, e.g. a shrunk native delay maximum so that D2 runs in seconds.
   */
  connect(options?: { provision?: boolean }): Promise<Broker>;
  /**
   * A valid URL for this adapter (K1 appends an unknown parameter to it and adds credentials).
   * It is only parsed and connected to, never used to send.
   */
  readonly url: string;
  /**
   * A URL parameter this adapter knows, with a value it must refuse (K1). `connect(url)` with it
   * set must fail with a `ConfigError` from the adapter's own checks (the core checks only names),
   * naming the parameter and never showing the URL's credentials. For example
   * `{ name: 'prefetch', value: '-1' }`. Required: without it, that K1 test fails.
   */
  readonly invalidParameter?: { readonly name: string; readonly value: string };
  /**
   * Adapters that `connect(url)` needs for a scheme core does not know: a third-party adapter
   * passes `{ myscheme: adapter }`. K1 connects with `connect(url, { adapters })`. Built-in
   * schemes need nothing.
   */
  readonly adapters?: Readonly<Record<string, AdapterSource>>;
  /**
   * Multiplies every nominal duration in the suite (leases of 1–2 s, backoffs of a few hundred ms).
   * Default 1. Raise it for slow brokers or emulators, lower it for fast in-process ones.
   */
  readonly timeScale?: number;
  /** Default: real time. */
  readonly time?: SuiteTime;
  /**
   * Documented emulator deviations, by rule ID: the rule is skipped and its title ends with
   * `[skip: deviation <text>]`. Every entry must also be listed in the adapter README.
   */
  readonly deviations?: Readonly<Record<string, string>>;
  /**
   * What a native producer can put in a message body: any bytes (the default), or only valid
   * Unicode text, as on SQS, whose bodies are XML-safe text. R5 then tries undecodable bodies a
   * producer can really send on that broker (text that is not JSON) instead of invalid UTF-8.
   */
  readonly nativeBodies?: 'bytes' | 'text';
  /**
   * The largest body a plain native producer can send to this broker with no headers (R3, at the
   * size limit). Default: `capabilities.maxMessageBytes`. Set it where the broker's real limit
   * differs from what the adapter declares for its own sends: NATS, whose adapter keeps room for
   * its headers below `max_payload` while a foreign producer can fill `max_payload` with body.
   */
  readonly maxNativeBodyBytes?: number;
  /**
   * E1: how to make the adapter's background work fail, or `'none'` when the adapter runs no
   * background work at all (the rule is then skipped, naming the capability `backgroundWork`).
   * Required: without it, E1 fails.
   */
  readonly backgroundFault?: BackgroundFault | 'none';
  /** X1: the adapter README's documented native types. Required: without it, X1 fails. */
  readonly nativeTypes?: NativeTypes;
  /** Publish as a plain native producer would, with no polyqueue metadata (I1). */
  publishNative(broker: Broker, queue: string, message: NativeMessage): Promise<void>;
  /** Take one message as a plain native consumer would, or undefined if none arrives in time (I1). */
  consumeNative(broker: Broker, queue: string): Promise<NativeMessage | undefined>;
  /** Make `broker` behave as if its process died. Default: `simulateCrash` from core/testing. */
  crash?(broker: Broker): Promise<void>;
}

/** The test-runner functions the suite needs: vitest, jest and mocha all provide them. */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  /** Registers a skipped test (vitest/jest: `it.skip`). */
  skip(name: string, body: () => Promise<void>): void;
  afterAll?(body: () => Promise<void>): void;
}
