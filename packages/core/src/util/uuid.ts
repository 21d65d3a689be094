import { randomFillSync } from 'node:crypto';

/** Entropy for this many ids is fetched per CSPRNG call, as node's own randomUUID() does. */
const IDS_PER_FILL = 256;

const entropy = Buffer.allocUnsafe(16 * IDS_PER_FILL);
let used = entropy.length;
const text = Buffer.alloc(36, '-'.charCodeAt(0));
/** Two lowercase hex digits per byte value, as character codes. */
const HEX = new Uint8Array(512);
for (let byte = 0; byte < 256; byte++) {
  HEX[2 * byte] = '0123456789abcdef'.charCodeAt(byte >> 4);
  HEX[2 * byte + 1] = '0123456789abcdef'.charCodeAt(byte & 15);
}
/** Where each byte's two digits go in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const POSITIONS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] as const;

/**
 * A random (version 4) UUID, the same as `crypto.randomUUID()` but as a flat string.
 *
 * Why not randomUUID(): node builds its result by concatenation, so each id is a tree of about
 * twenty cons strings until something flattens it. A job id is kept for as long as the job lives
 * (in a memory queue, a result, a log), and at a million ids a second those trees were the largest
 * single cost of `sendBatch`: mostly garbage-collector time. Here the digits are written into a
 * buffer and decoded once, which yields one flat 36-character string.
 */
export function randomId(): string {
  if (used === entropy.length) {
    randomFillSync(entropy);
    used = 0;
  }
  const at = used;
  used += 16;
  // Byte 6 carries the version (4), byte 8 the RFC 4122 variant (binary 10).
  entropy[at + 6] = (entropy[at + 6]! & 0x0f) | 0x40;
  entropy[at + 8] = (entropy[at + 8]! & 0x3f) | 0x80;
  for (let i = 0; i < 16; i++) {
    const byte = entropy[at + i]!;
    const p = POSITIONS[i]!;
    text[p] = HEX[2 * byte]!;
    text[p + 1] = HEX[2 * byte + 1]!;
  }
  return text.toString('latin1', 0, 36);
}
