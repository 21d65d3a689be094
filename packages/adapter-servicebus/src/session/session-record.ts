import type { ServiceBusReceivedMessage } from '@azure/service-bus';

/**
 * What polyqueue keeps in a session's state (`setSessionState`) about the message it last handed
 * out from that session. Service Bus does not count a delivery whose session was closed or whose
 * connection dropped (only an abandon or a session lock expiry counts it; see "Impact of delivery
 * count" in the Service Bus sessions documentation, and Azure/azure-sdk-for-js#15116). A worker
 * that crashes holding a session would therefore hand the next one the same job as the same
 * attempt, at once, forever. The record lets the next holder see that delivery and count it, and
 * wait out the lease the crashed holder had, as any other lease.
 */
export interface SessionRecord {
  /** The message's sequence number (decimal). */
  readonly seq: string;
  /** Its delivery number (1-based, releases included) when it was handed out. */
  readonly delivery: number;
  /** When the lease of that delivery ends (epoch ms), as last extended. */
  readonly leaseUntil: number;
  /**
   * Set when that delivery was retried: the message may not be handed out again before this
   * (epoch ms). Kept in the session state, on the service, so that whoever holds the session next
   * (after a graceful close, a crash, a lost lock) waits out the backoff too.
   */
  readonly retryAt?: number;
}

/** The session state as stored: a JSON string, readable by any client. */
export function encodeSessionRecord(record: SessionRecord): string {
  return JSON.stringify({ pq: 1, ...record });
}

/** The record in a session's state, or undefined when it holds none (or someone else's data). */
export function decodeSessionRecord(state: unknown): SessionRecord | undefined {
  let value: unknown = state;
  if (value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const record = value as Partial<SessionRecord> & { pq?: unknown };
  if (
    record?.pq !== 1 ||
    typeof record.seq !== 'string' ||
    typeof record.delivery !== 'number' ||
    typeof record.leaseUntil !== 'number' ||
    (record.retryAt !== undefined && typeof record.retryAt !== 'number')
  ) {
    return undefined;
  }
  const { seq, delivery, leaseUntil, retryAt } = record;
  return retryAt === undefined ? { seq, delivery, leaseUntil } : { seq, delivery, leaseUntil, retryAt };
}

/** The Service Bus delivery number of a received message, 1-based, releases included. */
export function serviceDelivery(message: ServiceBusReceivedMessage): number {
  return (message.deliveryCount ?? 0) + 1;
}

/**
 * How a received message continues what the record says about it: the deliveries the service did
 * not count, and until when it must be held back: the rest of a lost holder's lease, or of its
 * retry's backoff. Nothing for another message.
 */
export function continuation(
  record: SessionRecord | undefined,
  message: ServiceBusReceivedMessage,
): { readonly uncounted: number; readonly heldUntil: number } {
  if (!record || record.seq !== message.sequenceNumber?.toString()) return { uncounted: 0, heldUntil: 0 };
  const uncounted = Math.max(0, record.delivery + 1 - serviceDelivery(message));
  // Counted means the last delivery ended as the service sees it (abandon, lock expiry): no lease
  // of it is left to wait out. A retry's backoff is waited out either way.
  return { uncounted, heldUntil: Math.max(uncounted > 0 ? record.leaseUntil : 0, record.retryAt ?? 0) };
}
