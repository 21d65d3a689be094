import { describe, expect, it } from 'vitest';
import { randomId } from '../src/util/uuid.js';

// Job ids come from randomId() rather than crypto.randomUUID() for speed (see util/uuid.ts);
// they must stay indistinguishable from randomUUID()'s: version 4, RFC 4122 variant, lowercase.
describe('randomId', () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('returns version 4 UUIDs, unique across several entropy refills', () => {
    const ids = Array.from({ length: 5_000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('returns independent strings (the scratch buffer is never shared with a result)', () => {
    const first = randomId();
    const copy = `${first}`;
    randomId();
    expect(first).toBe(copy);
  });
});
