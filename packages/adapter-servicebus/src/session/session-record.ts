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
    typeof record.leaseUntil !== 'number'
  ) {
    return undefined;
  }
  return { seq: record.seq, delivery: record.delivery, leaseUntil: record.leaseUntil };
}

/** The Service Bus delivery number of a received message, 1-based, releases included. */
export function serviceDelivery(message: ServiceBusReceivedMessage): number {
  return (message.deliveryCount ?? 0) + 1;
}

/**
 * How a received message continues what the record says about it: the deliveries the service did
 * not count, and until when the lost holder's lease still runs. Nothing for another message.
 */
export function continuation(
  record: SessionRecord | undefined,
  message: ServiceBusReceivedMessage,
): { readonly uncounted: number; readonly leaseUntil: number } {
  if (!record || record.seq !== message.sequenceNumber?.toString()) return { uncounted: 0, leaseUntil: 0 };
  const uncounted = Math.max(0, record.delivery + 1 - serviceDelivery(message));
  // Counted means the last delivery ended as the service sees it (abandon, lock expiry): no lease
  // of it is left to wait out.
  return { uncounted, leaseUntil: uncounted > 0 ? record.leaseUntil : 0 };
}
