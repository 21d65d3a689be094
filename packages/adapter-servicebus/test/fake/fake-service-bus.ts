import { randomUUID } from 'node:crypto';
import { ServiceBusError, type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';
import type { Clock } from '@polyqueue/core/driver';
import Long from 'long';
import type { BusQueueSettings, DeadLetterProperties, PropertyValues } from '../../src/index.js';
import { FakeEntity, type SessionLock, type StoredMessage } from './fake-entity.js';

/** The Standard tier's message size limit: body and all properties. */
export const STANDARD_MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * An in-process model of one Service Bus namespace, as its documentation describes it: peek-lock
 * with lock expiry and redelivery (raising the delivery count), maxDeliveryCount moving a message
 * to the dead-letter sub-queue with reason MaxDeliveryCountExceeded, scheduled enqueue, duplicate
 * detection on messageId within the window (scheduled messages included), explicit
 * dead-lettering with reason and description, non-destructive peek. Errors are the SDK's own
 * `ServiceBusError`s with their codes. Time is the given clock's, so it runs on virtual time too.
 *
 * It models the service, not what polyqueue would like: nothing here knows about polyqueue.
 */
export class FakeServiceBus {
  readonly clock: Clock;
  readonly #entities = new Map<string, FakeEntity>();
  #sequence = 1;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  entityNames(): string[] {
    return [...this.#entities.keys()];
  }

  entity(name: string): FakeEntity | undefined {
    return this.#entities.get(name);
  }

  /** @throws ServiceBusError MessagingEntityNotFound, as the service does for a missing queue. */
  entityOrThrow(name: string): FakeEntity {
    const entity = this.#entities.get(name);
    if (!entity) {
      throw new ServiceBusError(
        `The messaging entity 'sb://fake.servicebus.windows.net/${name}' could not be found.`,
        'MessagingEntityNotFound',
      );
    }
    return entity;
  }

  createEntity(name: string, settings: BusQueueSettings): void {
    if (this.#entities.has(name)) {
      throw Object.assign(new Error(`Entity '${name}' already exists.`), {
        name: 'RestError',
        statusCode: 409,
      });
    }
    this.#entities.set(name, new FakeEntity(name, settings));
  }

  // --- sending ---------------------------------------------------------------------------------

  send(name: string, messages: readonly ServiceBusMessage[], scheduledAt?: Date): void {
    const entity = this.entityOrThrow(name);
    for (const message of messages) checkMessage(entity, message);
    for (const message of messages) {
      const at = scheduledAt ?? message.scheduledEnqueueTimeUtc;
      if (this.#isDuplicate(entity, message)) continue;
      const stored: StoredMessage = {
        sequenceNumber: this.#sequence++,
        message: { ...message },
        enqueuedAt: this.clock.now(),
        properties: { ...(message.applicationProperties ?? {}) },
        deliveries: 0,
      };
      const delay = at === undefined ? 0 : at.getTime() - this.clock.now();
      if (delay <= 0) {
        this.#enqueue(entity, stored);
        continue;
      }
      entity.scheduled++;
      this.clock.setTimeout(() => {
        entity.scheduled--;
        this.#enqueue(entity, stored);
      }, delay);
    }
  }

  /** Duplicate detection: a messageId seen within the window is accepted and silently dropped. */
  #isDuplicate(entity: FakeEntity, message: ServiceBusMessage): boolean {
    const { settings } = entity;
    if (!settings.requiresDuplicateDetection || message.messageId === undefined) return false;
    const id = String(message.messageId);
    const now = this.clock.now();
    const until = entity.seenIds.get(id);
    if (until !== undefined && until > now) return true;
    entity.seenIds.set(id, now + settings.duplicateDetectionWindowMs);
    return false;
  }

  #enqueue(entity: FakeEntity, stored: StoredMessage): void {
    entity.active.push(stored);
    entity.active.sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    entity.notify();
  }

  // --- receiving -------------------------------------------------------------------------------

  /** Locks up to `max` available messages (in sequence order) for `lockDuration`. */
  take(name: string, subQueue: 'deadLetter' | undefined, max: number): ServiceBusReceivedMessage[] {
    const entity = this.entityOrThrow(name);
    if (entity.settings.requiresSession && subQueue === undefined) {
      throw new ServiceBusError(
        `It is not possible for an entity that requires sessions to create a non-sessionful message receiver. TrackingId:${randomUUID()}`,
        'GeneralError',
      );
    }
    const list = subQueue ? entity.deadLetter : entity.active;
    const taken: ServiceBusReceivedMessage[] = [];
    for (const stored of list) {
      if (taken.length >= max) break;
      if (stored.lock) continue;
      stored.deliveries++;
      const token = randomUUID();
      const until = this.clock.now() + entity.settings.lockDurationMs;
      stored.lock = { token, until, timer: this.#lockTimer(entity, list, stored, token, until) };
      taken.push(toReceived(stored, { token, until }));
    }
    return taken;
  }

  #lockTimer(entity: FakeEntity, list: StoredMessage[], stored: StoredMessage, token: string, until: number) {
    return this.clock.setTimeout(() => {
      if (stored.lock?.token !== token || stored.lock.until > this.clock.now()) return;
      // The lock ran out unsettled: the message is available again, its delivery counted.
      this.#unlock(entity, list, stored);
    }, until - this.clock.now());
  }

  /** A lock ends without settlement: back to available, or to the DLQ once deliveries are used up. */
  #unlock(entity: FakeEntity, list: StoredMessage[], stored: StoredMessage): void {
    stored.lock = undefined;
    if (list === entity.active && stored.deliveries >= entity.settings.maxDeliveryCount) {
      remove(list, stored);
      stored.properties.DeadLetterReason = 'MaxDeliveryCountExceeded';
      stored.properties.DeadLetterErrorDescription = `Message could not be consumed after ${entity.settings.maxDeliveryCount} delivery attempts.`;
      stored.deadLetterSource = entity.name;
      entity.deadLetter.push(stored);
    }
    entity.notify();
  }

  /** Finds the locked message a settlement names, or fails as the service does. */
  #locked(name: string, subQueue: 'deadLetter' | undefined, message: ServiceBusReceivedMessage) {
    const entity = this.entityOrThrow(name);
    const list = subQueue ? entity.deadLetter : entity.active;
    const stored = list.find((s) => s.lock?.token === message.lockToken);
    const session = stored?.lock?.session;
    if (session !== undefined && !this.#sessionHeld(entity, session, stored?.lock?.until)) {
      throw new ServiceBusError(
        `The session lock has expired on the MessageSession. Accept a new MessageSession. TrackingId:${randomUUID()}`,
        'SessionLockLost',
      );
    }
    if (!stored?.lock || stored.lock.until <= this.clock.now()) {
      throw new ServiceBusError(
        'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
        'MessageLockLost',
      );
    }
    return { entity, list, stored };
  }

  complete(name: string, subQueue: 'deadLetter' | undefined, message: ServiceBusReceivedMessage): void {
    const { entity, list, stored } = this.#locked(name, subQueue, message);
    this.#clearLockTimer(stored);
    remove(list, stored);
    entity.notify();
  }

  abandon(
    name: string,
    subQueue: 'deadLetter' | undefined,
    message: ServiceBusReceivedMessage,
    properties: PropertyValues = {},
  ): void {
    const { entity, list, stored } = this.#locked(name, subQueue, message);
    this.#clearLockTimer(stored);
    Object.assign(stored.properties, properties);
    this.#unlock(entity, list, stored);
  }

  deadLetterMessage(
    name: string,
    subQueue: 'deadLetter' | undefined,
    message: ServiceBusReceivedMessage,
    options: DeadLetterProperties = {},
  ): void {
    if (subQueue) {
      throw new ServiceBusError(
        'Cannot dead-letter a message from the dead-letter sub-queue.',
        'GeneralError',
      );
    }
    const { entity, list, stored } = this.#locked(name, subQueue, message);
    this.#clearLockTimer(stored);
    const { deadLetterReason, deadLetterErrorDescription, ...properties } = options;
    const updated: PropertyValues = { ...stored.properties, ...properties };
    if (deadLetterReason !== undefined) updated.DeadLetterReason = deadLetterReason;
    if (deadLetterErrorDescription !== undefined)
      updated.DeadLetterErrorDescription = deadLetterErrorDescription;
    // The reason, description and properties become part of the message, and count toward its size:
    // "might result in some messages exceeding the 256 KB quota limit" (dead-letter queue docs).
    // The service refuses the operation; the message stays locked where it was.
    checkMessage(entity, { ...stored.message, applicationProperties: updated });
    stored.properties = updated;
    stored.deadLetterSource = entity.name;
    stored.lock = undefined;
    remove(list, stored);
    entity.deadLetter.push(stored);
  }

  renewLock(name: string, subQueue: 'deadLetter' | undefined, message: ServiceBusReceivedMessage): Date {
    const { entity, list, stored } = this.#locked(name, subQueue, message);
    const lock = stored.lock!;
    if (lock.session !== undefined) {
      throw new ServiceBusError(
        'Renewing a message lock is not supported for messages received from a session: renew the session lock.',
        'GeneralError',
      );
    }
    this.clock.clearTimeout(lock.timer as never);
    lock.until = this.clock.now() + entity.settings.lockDurationMs;
    lock.timer = this.#lockTimer(entity, list, stored, lock.token, lock.until);
    return new Date(lock.until);
  }

  #clearLockTimer(stored: StoredMessage): void {
    if (stored.lock?.timer !== undefined) this.clock.clearTimeout(stored.lock.timer as never);
  }

  // --- sessions --------------------------------------------------------------------------------

  /**
   * `acceptNextSession`: locks the session of the first available message (in sequence order)
   * whose session no receiver holds, for `lockDuration`. Undefined when there is none now.
   */
  acceptSession(name: string): { readonly sessionId: string; readonly token: string } | undefined {
    const entity = this.entityOrThrow(name);
    if (!entity.settings.requiresSession) {
      throw new ServiceBusError(
        `It is not possible for an entity that does not require sessions to create a sessionful message receiver. TrackingId:${randomUUID()}`,
        'GeneralError',
      );
    }
    const next = entity.active.find(
      (stored) => !stored.lock && !entity.sessionLocks.has(String(stored.message.sessionId)),
    );
    if (!next) return undefined;
    const sessionId = String(next.message.sessionId);
    const token = randomUUID();
    const lock = {
      token,
      until: this.clock.now() + entity.settings.lockDurationMs,
      timer: undefined as unknown,
    };
    entity.sessionLocks.set(sessionId, lock);
    this.#armSessionTimer(entity, sessionId, lock);
    return { sessionId, token };
  }

  /** When the session lock held with `token` runs out (it may have been lost already). */
  sessionLockedUntil(name: string, sessionId: string, token: string): Date {
    const lock = this.entityOrThrow(name).sessionLocks.get(sessionId);
    return new Date(lock?.token === token ? lock.until : 0);
  }

  /** A session receiver's receive: the session's available messages, in sequence order, locked under it. */
  takeFromSession(name: string, sessionId: string, token: string, max: number): ServiceBusReceivedMessage[] {
    const entity = this.entityOrThrow(name);
    const lock = this.#sessionLock(entity, sessionId, token);
    const taken: ServiceBusReceivedMessage[] = [];
    for (const stored of entity.active) {
      if (taken.length >= max) break;
      if (stored.lock || String(stored.message.sessionId) !== sessionId) continue;
      stored.deliveries++;
      stored.lock = { token: randomUUID(), until: lock.until, timer: undefined, session: sessionId };
      taken.push(toReceived(stored, stored.lock));
    }
    return taken;
  }

  renewSession(name: string, sessionId: string, token: string): Date {
    const entity = this.entityOrThrow(name);
    const lock = this.#sessionLock(entity, sessionId, token);
    this.clock.clearTimeout(lock.timer as never);
    lock.until = this.clock.now() + entity.settings.lockDurationMs;
    for (const stored of entity.active)
      if (stored.lock?.session === sessionId) stored.lock.until = lock.until;
    this.#armSessionTimer(entity, sessionId, lock);
    return new Date(lock.until);
  }

  /**
   * Closing a session receiver, or losing its connection, gives the session up at once. Messages
   * still locked under it become available again *without* their delivery counted: the service
   * counts a session message's delivery only on abandon or session lock expiry ("Impact of
   * delivery count", Service Bus sessions documentation; Azure/azure-sdk-for-js#15116).
   */
  releaseSession(name: string, sessionId: string, token: string): void {
    const entity = this.entityOrThrow(name);
    const lock = entity.sessionLocks.get(sessionId);
    if (lock?.token !== token) return;
    this.clock.clearTimeout(lock.timer as never);
    for (const stored of entity.active) if (stored.lock?.session === sessionId) stored.deliveries--;
    this.#endSession(entity, sessionId);
  }

  getSessionState(name: string, sessionId: string, token: string): unknown {
    const entity = this.entityOrThrow(name);
    this.#sessionLock(entity, sessionId, token);
    return entity.sessionStates.get(sessionId);
  }

  setSessionState(name: string, sessionId: string, token: string, state: unknown): void {
    const entity = this.entityOrThrow(name);
    this.#sessionLock(entity, sessionId, token);
    entity.sessionStates.set(sessionId, state);
  }

  /** Messages of a session, locked or not, in sequence order (a session receiver's peek). */
  peekSession(name: string, sessionId: string, fromSequenceNumber: number, max: number) {
    return this.entityOrThrow(name)
      .active.filter(
        (s) => String(s.message.sessionId) === sessionId && s.sequenceNumber >= fromSequenceNumber,
      )
      .slice(0, max)
      .map((stored) => toReceived(stored, undefined));
  }

  /** @throws ServiceBusError SessionLockLost once the session lock held with `token` is gone. */
  checkSession(name: string, sessionId: string, token: string): void {
    this.#sessionLock(this.entityOrThrow(name), sessionId, token);
  }

  #sessionLock(entity: FakeEntity, sessionId: string, token: string) {
    const lock = entity.sessionLocks.get(sessionId);
    if (lock?.token !== token || lock.until <= this.clock.now()) {
      throw new ServiceBusError(
        `The session lock has expired on the MessageSession. Accept a new MessageSession. TrackingId:${randomUUID()}`,
        'SessionLockLost',
      );
    }
    return lock;
  }

  /** True while the session is still locked by the lock a message was taken under. */
  #sessionHeld(entity: FakeEntity, sessionId: string, messageUntil: number | undefined): boolean {
    const lock = entity.sessionLocks.get(sessionId);
    return lock !== undefined && lock.until > this.clock.now() && messageUntil === lock.until;
  }

  #armSessionTimer(entity: FakeEntity, sessionId: string, lock: SessionLock): void {
    const { token, until } = lock;
    lock.timer = this.clock.setTimeout(() => {
      const current = entity.sessionLocks.get(sessionId);
      if (current?.token !== token || current.until !== until) return;
      // The session lock ran out: the session is free, and its locked messages come back.
      this.#endSession(entity, sessionId);
    }, until - this.clock.now());
  }

  #endSession(entity: FakeEntity, sessionId: string): void {
    entity.sessionLocks.delete(sessionId);
    for (const stored of [...entity.active]) {
      if (stored.lock?.session === sessionId) this.#unlock(entity, entity.active, stored);
    }
    entity.notify();
  }

  /** Peek: no lock, no delivery counted; includes locked messages, as the service does. */
  peek(name: string, subQueue: 'deadLetter' | undefined, fromSequenceNumber: number, max: number) {
    const entity = this.entityOrThrow(name);
    const list = subQueue ? entity.deadLetter : entity.active;
    // In sequence-number order, as the service browses: a list is in arrival order, and letters
    // dead-lettered concurrently arrive out of it (the cursor would then skip back and repeat).
    return list
      .filter((stored) => stored.sequenceNumber >= fromSequenceNumber)
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
      .slice(0, max)
      .map((stored) => toReceived(stored, undefined));
  }
}

function remove(list: StoredMessage[], stored: StoredMessage): void {
  const index = list.indexOf(stored);
  if (index >= 0) list.splice(index, 1);
}

function checkMessage(entity: FakeEntity, message: ServiceBusMessage): void {
  let size = byteLength(message.body);
  for (const [key, value] of Object.entries(message.applicationProperties ?? {})) {
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > STANDARD_MAX_MESSAGE_BYTES) {
    throw new ServiceBusError(
      `The received message (delivery-id:0, size:${size} bytes) exceeds the limit (${STANDARD_MAX_MESSAGE_BYTES} bytes) currently allowed on the link.`,
      'MessageSizeExceeded',
    );
  }
  if (entity.settings.requiresSession && message.sessionId === undefined) {
    throw new ServiceBusError(
      `The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.`,
      'GeneralError',
    );
  }
}

function byteLength(body: unknown): number {
  if (body instanceof Uint8Array) return body.byteLength;
  if (typeof body === 'string') return Buffer.byteLength(body);
  return Buffer.byteLength(JSON.stringify(body) ?? '');
}

/** A stored message as the JS SDK hands it out. */
function toReceived(
  stored: StoredMessage,
  lock: { readonly token: string; readonly until: number } | undefined,
): ServiceBusReceivedMessage {
  const applicationProperties = { ...stored.properties };
  const reason = applicationProperties.DeadLetterReason;
  const description = applicationProperties.DeadLetterErrorDescription;
  const { scheduledEnqueueTimeUtc: _, ...message } = stored.message;
  return {
    ...message,
    applicationProperties,
    // The AMQP header's count of earlier deliveries, which is what the JS SDK exposes.
    deliveryCount: lock ? stored.deliveries - 1 : stored.deliveries,
    ...(lock ? { lockToken: lock.token, lockedUntilUtc: new Date(lock.until) } : {}),
    enqueuedTimeUtc: new Date(stored.enqueuedAt),
    sequenceNumber: Long.fromNumber(stored.sequenceNumber),
    state: 'active',
    ...(typeof reason === 'string' ? { deadLetterReason: reason } : {}),
    ...(typeof description === 'string' ? { deadLetterErrorDescription: description } : {}),
    ...(stored.deadLetterSource !== undefined ? { deadLetterSource: stored.deadLetterSource } : {}),
    _rawAmqpMessage: { body: message.body, bodyType: 'data', applicationProperties },
  };
}
