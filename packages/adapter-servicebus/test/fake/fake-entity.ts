import type { ServiceBusMessage } from '@azure/service-bus';
import type { BusQueueSettings } from '../../src/index.js';

/** One message as the fake broker stores it. */
export interface StoredMessage {
  readonly sequenceNumber: number;
  readonly message: ServiceBusMessage;
  readonly enqueuedAt: number;
  /** Application properties, changed by abandon / dead-letter property updates. */
  properties: Record<string, number | boolean | string | Date | null>;
  /** Times the service has delivered it (the .NET `DeliveryCount`; the JS SDK shows one less). */
  deliveries: number;
  /**
   * The message's lock. On a session entity a message has no lock of its own: it is held under its
   * session's lock (`session` is that session's id, `timer` unused), and lives and dies with it.
   */
  lock?: { readonly token: string; until: number; timer: unknown; readonly session?: string } | undefined;
  deadLetterSource?: string;
}

/** A session's lock: one receiver holds it at a time, until it expires, is released, or is renewed. */
export interface SessionLock {
  readonly token: string;
  until: number;
  timer: unknown;
}

/** One queue: its active messages in sequence order, its dead-letter sub-queue, its dedup history. */
export class FakeEntity {
  readonly name: string;
  settings: BusQueueSettings;
  readonly active: StoredMessage[] = [];
  readonly deadLetter: StoredMessage[] = [];
  /** messageId -> end of its duplicate detection window. */
  readonly seenIds = new Map<string, number>();
  /** Receivers waiting for a message; called on every change that may make one available. */
  readonly waiters = new Set<() => void>();
  scheduled = 0;
  /** Session id -> its lock, while some receiver holds the session (session entities only). */
  readonly sessionLocks = new Map<string, SessionLock>();
  /** Session id -> the state a session receiver stored (`setSessionState`). */
  readonly sessionStates = new Map<string, unknown>();

  constructor(name: string, settings: BusQueueSettings) {
    this.name = name;
    this.settings = settings;
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
