import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/driver/index.js';

function recording(outcome: (entry: number) => unknown = () => undefined) {
  const batches: number[][] = [];
  const batcher = new Batcher<number>({
    maxSize: 3,
    flush: async (entries) => {
      batches.push([...entries]);
      return entries.map(outcome);
    },
  });
  return { batches, batcher };
}

describe('Batcher', () => {
  it('sends everything added in the same tick as one batch', async () => {
    const { batches, batcher } = recording();
    await Promise.all([batcher.add(1), batcher.add(2)]);
    await Promise.all([batcher.add(3)]);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('joins entries added after an await in the same tick (a settle loop over deliveries)', async () => {
    const { batches, batcher } = recording();
    const adds: Promise<void>[] = [];
    for (const entry of [1, 2]) {
      await Promise.resolve();
      adds.push(batcher.add(entry));
    }
    await Promise.all(adds);
    expect(batches).toEqual([[1, 2]]);
  });

  it("sends before the event loop's next phase: an I/O callback or setImmediate queued meanwhile runs after it", async () => {
    const { batches, batcher } = recording();
    const seen: number[][][] = [];
    setImmediate(() => seen.push(batches.map((batch) => [...batch])));
    const added = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    await added;
    expect(seen).toEqual([[[1]]]);
  });

  it('splits at maxSize, sending a full batch at once', async () => {
    const { batches, batcher } = recording();
    const adds = [1, 2, 3, 4].map((entry) => batcher.add(entry));
    expect(batches).toEqual([[1, 2, 3]]); // before the tick ends
    await Promise.all(adds);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('gives each entry its own outcome: one refused entry fails alone', async () => {
    const refused = new Error('2 refused');
    const { batcher } = recording((entry) => (entry === 2 ? refused : undefined));
    const results = await Promise.allSettled([1, 2, 3].map((entry) => batcher.add(entry)));
    expect(results).toEqual([
      { status: 'fulfilled', value: undefined },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: undefined },
    ]);
  });

  it('fails every entry of a batch whose flush rejects, and only that batch', async () => {
    const down = new Error('down');
    let calls = 0;
    const batcher = new Batcher<number>({
      maxSize: 2,
      flush: async (entries) => {
        if (calls++ === 0) throw down;
        return entries.map(() => undefined);
      },
    });
    const results = await Promise.allSettled([1, 2, 3].map((entry) => batcher.add(entry)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toBe(down);
  });

  it('rejects entries a flush gave no outcome for, rather than assume success', async () => {
    const batcher = new Batcher<number>({ maxSize: 10, flush: async () => [undefined] });
    const results = await Promise.allSettled([1, 2].map((entry) => batcher.add(entry)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('drain sends what is pending at once and waits for every batch handed out', async () => {
    let answer!: () => void;
    const batches: number[][] = [];
    const batcher = new Batcher<number>({
      maxSize: 2,
      flush: async (entries) => {
        batches.push([...entries]);
        await new Promise<void>((resolve) => {
          answer = resolve;
        });
        return entries.map(() => undefined);
      },
    });
    const first = batcher.add(1);
    let drained = false;
    const draining = batcher.drain().then(() => {
      drained = true;
    });
    expect(batches).toEqual([[1]]); // sent by drain, not by the tick
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    answer();
    await draining;
    await first;
    expect(drained).toBe(true);
  });

  describe('flushAll (a batch the broker takes or refuses as a whole)', () => {
    it('gives every caller of a batch the same promise, and flushes the batch once', async () => {
      const batches: number[][] = [];
      const batcher = new Batcher<number>({
        maxSize: 10,
        flushAll: async (entries) => {
          batches.push([...entries]);
        },
      });
      const first = batcher.add(1);
      const second = batcher.add(2);
      expect(second).toBe(first);
      await first;
      const later = batcher.add(3);
      expect(later).not.toBe(first);
      await later;
      expect(batches).toEqual([[1, 2], [3]]);
    });

    it('opens a new batch, with its own promise, at maxSize', async () => {
      const batches: number[][] = [];
      const batcher = new Batcher<number>({
        maxSize: 2,
        flushAll: async (entries) => {
          batches.push([...entries]);
        },
      });
      const adds = [1, 2, 3].map((entry) => batcher.add(entry));
      expect(adds[1]).toBe(adds[0]);
      expect(adds[2]).not.toBe(adds[0]);
      await Promise.all(adds);
      expect(batches).toEqual([[1, 2], [3]]);
    });

    it('fails every entry of a batch whose flush rejects, and only that batch', async () => {
      const down = new Error('down');
      let calls = 0;
      const batcher = new Batcher<number>({
        maxSize: 2,
        flushAll: async () => {
          if (calls++ === 0) throw down;
        },
      });
      const results = await Promise.allSettled([1, 2, 3].map((entry) => batcher.add(entry)));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBe(down);
    });
  });
});
