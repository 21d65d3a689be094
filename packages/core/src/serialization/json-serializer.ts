import type { Serializer } from './serializer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 JSON. Stricter than bare JSON.stringify: a value that would not survive the round trip
 * (undefined at the top, a function, a cycle, a BigInt) is refused instead of silently altered.
 */
export const jsonSerializer: Serializer = {
  contentType: 'application/json',
  serialize(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} is not representable as JSON`);
    return Buffer.from(text, 'utf8');
  },
  deserialize(bytes) {
    return JSON.parse(decoder.decode(bytes));
  },
};
