import { randomFillSync } from 'node:crypto';

/**
 * Entropy for this many ids (64 KiB) is fetched per CSPRNG call, as node's randomUUID() caches
 * its own: the call costs more than its bytes up to tens of kilobytes (19 ns an id at 4 KiB, 3.4
 * at 64 KiB, measured with randomFillSync on Node 20).
 */
const IDS_PER_FILL = 4_096;

const entropy = Buffer.allocUnsafe(16 * IDS_PER_FILL);
/** Where the current id's 16 bytes start in `entropy`. */
let at = entropy.length;
/** The character codes of each byte value's two lowercase hex digits. */
const HIGH = new Uint8Array(256);
const LOW = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  HIGH[byte] = '0123456789abcdef'.charCodeAt(byte >> 4);
  LOW[byte] = '0123456789abcdef'.charCodeAt(byte & 15);
}
const DASH = 0x2d;
const hi = (i: number) => HIGH[entropy[at + i]!]!;
const lo = (i: number) => LOW[entropy[at + i]!]!;

/**
 * A random (version 4) UUID, the same as `crypto.randomUUID()` but as a flat string.
 *
 * Why not randomUUID(): node builds its result by concatenation, so each id is a tree of about
 * twenty cons strings until something flattens it. A job id is kept for as long as the job lives
 * (in a memory queue, a result, a log), and at a million ids a second those trees were the largest
 * single cost of `sendBatch`: mostly garbage-collector time. Here the 36 character codes go to one
 * `String.fromCharCode` call, which builds one flat string without leaving JavaScript: about 70 ns
 * an id, against 110 ns for writing the digits into a buffer and decoding it (a native call).
 */
export function randomId(): string {
  at += 16;
  if (at >= entropy.length) {
    randomFillSync(entropy);
    at = 0;
  }
  // Byte 6 carries the version (4), byte 8 the RFC 4122 variant (binary 10).
  entropy[at + 6] = (entropy[at + 6]! & 0x0f) | 0x40;
  entropy[at + 8] = (entropy[at + 8]! & 0x3f) | 0x80;
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
  // biome-ignore format: one group of the UUID per line
  return String.fromCharCode(
    hi(0), lo(0), hi(1), lo(1), hi(2), lo(2), hi(3), lo(3), DASH,
    hi(4), lo(4), hi(5), lo(5), DASH,
    hi(6), lo(6), hi(7), lo(7), DASH,
    hi(8), lo(8), hi(9), lo(9), DASH,
    hi(10), lo(10), hi(11), lo(11), hi(12), lo(12), hi(13), lo(13), hi(14), lo(14), hi(15), lo(15),
  );
}
