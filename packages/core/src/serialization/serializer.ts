/**
 * Turns payloads into bytes and back. JSON is the default; swap in MessagePack, CBOR or a
 * compressing serializer per broker or per queue. `contentType` travels with each message where
 * the broker has a native field for it.
 *
 * Contract: `serialize` throws on a value it cannot represent faithfully; `deserialize` throws on
 * bytes it cannot read. The core turns those into SerializationError (send) and a `decode` dead
 * letter (receive).
 */
export interface Serializer {
  readonly contentType: string;
  serialize(value: unknown): Uint8Array;
  deserialize(bytes: Uint8Array): unknown;
}
