import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { HeaderMap, ReceivedMessage, StoredMessage } from './nats-client.js';

/** The first value of each header, as `get` gives it, in one pass (`get` scans every name each call). */
function fromMsgHdrs(hdrs: MsgHdrs | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  if (!hdrs) return map;
  for (const [name, values] of hdrs) map[name] = values[0] ?? '';
  return map;
}

export function fromStored(stored: StoredMsg): StoredMessage {
  return {
    data: stored.data,
    headers: fromMsgHdrs(stored.header),
    streamSequence: stored.seq,
    storedAt: stored.time.getTime(),
    native: stored,
  };
}

/**
 * A received JsMsg in the driver's terms. A class rather than an object of closures: this is
 * made for every delivered message, and three closures per message showed in profiles.
 * Settlements are protocol messages without a reply: on a closed connection they are lost, and
 * the server redelivers after AckWait, which is the documented outcome, not an error to raise.
 */
export class SdkReceivedMessage implements ReceivedMessage {
  readonly data: Uint8Array;
  readonly headers: HeaderMap;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  readonly storedAt: number;
  readonly native: JsMsg;

  constructor(msg: JsMsg) {
    const info = msg.info;
    this.data = msg.data;
    this.headers = fromMsgHdrs(msg.headers);
    this.streamSequence = info.streamSequence;
    this.deliveryCount = info.deliveryCount;
    this.storedAt = info.timestampNanos / 1_000_000;
    this.native = msg;
  }

  ack(): void {
    try {
      this.native.ack();
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }

  nak(delayMs?: number): void {
    try {
      this.native.nak(delayMs);
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }

  working(): void {
    try {
      this.native.working();
    } catch {
      // lost with the connection: redelivered after AckWait
    }
  }
}
