import type { JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { Msg, MsgHdrs } from '@nats-io/transport-node';
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

  /** `msg` is the delivered message `js` wraps: read from directly where that is cheaper. */
  constructor(js: JsMsg, msg?: Msg) {
    this.data = js.data;
    this.headers = (msg && headersOf(msg)) ?? fromMsgHdrs(js.headers);
    const reply = msg && ackReply(msg.reply);
    if (reply) {
      this.streamSequence = reply.streamSequence;
      this.deliveryCount = reply.deliveryCount;
      this.storedAt = reply.storedAt;
    } else {
      const info = js.info;
      this.streamSequence = info.streamSequence;
      this.deliveryCount = info.deliveryCount;
      this.storedAt = info.timestampNanos / 1_000_000;
    }
    this.native = js;
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

const decoder = new TextDecoder();

/**
 * The header block of a delivered message, read from its bytes in one pass: the first value of
 * each header, its value trimmed, as `headers.get()` gives it. The SDK's own decoding (`MsgHdrs`)
 * canonicalizes every name and scans every name already read, per header: 3.6 µs a message
 * against the whole of a raw consume loop's 12 µs, on the bench machine. `job.raw.headers` still
 * decodes the SDK's way, when asked. Undefined when the message is not the SDK's MsgImpl (whose
 * `_rdata` and `_msg.hdr` are public in its type, the client being pinned): then the SDK decodes.
 */
function headersOf(msg: Msg): Record<string, string> | undefined {
  const impl = msg as { _rdata?: unknown; _msg?: { hdr?: unknown } };
  const length = impl._msg?.hdr;
  if (!(impl._rdata instanceof Uint8Array) || typeof length !== 'number') return undefined;
  const map: Record<string, string> = {};
  if (length <= 0) return map;
  const text = decoder.decode(impl._rdata.subarray(0, length));
  // The first line is the version ("NATS/1.0", maybe with a status); a blank line ends the block.
  for (let start = text.indexOf('\r\n') + 2; start > 1 && start < text.length; ) {
    const end = text.indexOf('\r\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon);
      if (!Object.hasOwn(map, name)) map[name] = line.slice(colon + 1).trim();
    }
    start = end < 0 ? text.length : end + 2;
  }
  return map;
}

/**
 * What the driver needs of a JetStream ack subject, without the SDK's `info` object:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>` (9 tokens),
 * or with `<domain>.<account hash>` after ACK and maybe a random token last (11 or 12). Undefined
 * for anything else, which then goes through `info`.
 */
function ackReply(
  reply: string | undefined,
): { deliveryCount: number; streamSequence: number; storedAt: number } | undefined {
  if (reply === undefined) return undefined;
  const tokens = reply.split('.');
  if (tokens[0] !== '$JS' || tokens[1] !== 'ACK') return undefined;
  const at = tokens.length === 9 ? 4 : tokens.length >= 11 ? 6 : -1;
  if (at < 0) return undefined;
  const deliveryCount = Number(tokens[at]);
  const streamSequence = Number(tokens[at + 1]);
  const storedAt = Number(tokens[at + 3]) / 1_000_000;
  if (!Number.isSafeInteger(deliveryCount) || !Number.isSafeInteger(streamSequence) || Number.isNaN(storedAt))
    return undefined;
  return { deliveryCount, streamSequence, storedAt };
}
