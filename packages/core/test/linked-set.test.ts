import { describe, expect, it } from 'vitest';
import { type Linked, LinkedSet } from '../src/driver/kit/linked-set.js';

// The worker's held deliveries and the memory broker's in-flight ones live in LinkedSets (a
// churning Set or Map costs the young collector dearly: see driver/kit/linked-set.ts). They must behave
// as the Set and Map they replace did, and a removed entry must keep nothing else alive.
interface Entry extends Linked<Entry> {
  readonly n: number;
}

const entry = (n: number): Entry => ({ n, linkedIn: undefined, linkPrev: undefined, linkNext: undefined });
const ns = (set: LinkedSet<Entry>) => [...set].map((e) => e.n);

describe('LinkedSet', () => {
  it('keeps insertion order through deletes at the front, middle and end', () => {
    const set = new LinkedSet<Entry>();
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(entry) as [Entry, Entry, Entry, Entry, Entry];
    for (const x of [a, b, c, d, e]) set.add(x);
    expect(set.delete(c)).toBe(true);
    expect(set.delete(a)).toBe(true);
    expect(set.delete(e)).toBe(true);
    set.add(a);
    expect(ns(set)).toEqual([2, 4, 1]);
    expect(set.size).toBe(3);
    expect(set.toArray().map((x) => x.n)).toEqual([2, 4, 1]);
  });

  it('adds once, deletes once, and answers has() for this set only', () => {
    const set = new LinkedSet<Entry>();
    const other = new LinkedSet<Entry>();
    const a = entry(1);
    set.add(a);
    set.add(a);
    expect(set.size).toBe(1);
    expect(set.has(a)).toBe(true);
    expect(other.has(a)).toBe(false);
    expect(other.delete(a)).toBe(false);
    expect(() => other.add(a)).toThrow(/another set/);
    expect(set.delete(a)).toBe(true);
    expect(set.delete(a)).toBe(false);
    expect(set.size).toBe(0);
    expect(ns(set)).toEqual([]);
    other.add(a);
    expect(other.has(a)).toBe(true);
  });

  it('clears the links of a deleted entry, so holding it keeps no other entry alive', () => {
    const set = new LinkedSet<Entry>();
    const [a, b, c] = [1, 2, 3].map(entry) as [Entry, Entry, Entry];
    for (const x of [a, b, c]) set.add(x);
    set.delete(b);
    expect(b.linkPrev).toBeUndefined();
    expect(b.linkNext).toBeUndefined();
    expect(b.linkedIn).toBeUndefined();
    expect(a.linkNext).toBe(c);
    expect(c.linkPrev).toBe(a);
  });

  it('iterates a snapshot: entries deleted or added during the loop do not change it', () => {
    const set = new LinkedSet<Entry>();
    const [a, b, c] = [1, 2, 3].map(entry) as [Entry, Entry, Entry];
    for (const x of [a, b, c]) set.add(x);
    const seen: number[] = [];
    for (const x of set) {
      seen.push(x.n);
      set.delete(x);
      if (x === a) set.delete(b);
      if (x === c) set.add(entry(4));
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(ns(set)).toEqual([4]);
  });

  it('clear() empties it and unlinks every entry', () => {
    const set = new LinkedSet<Entry>();
    const all = [1, 2, 3].map(entry);
    for (const x of all) set.add(x);
    set.clear();
    expect(set.size).toBe(0);
    expect(ns(set)).toEqual([]);
    for (const x of all) expect(x.linkedIn).toBeUndefined();
  });
});
