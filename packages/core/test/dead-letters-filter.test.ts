import { describe, expect, it } from 'vitest';
import { type RedriveSource, redrive } from '../src/driver/index.js';
import {
  connect,
  MemoryServer,
  UnrecoverableError,
  UnsupportedFeatureError,
  VirtualClock,
} from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

/** A queue with dead letters of two reasons: a, b 'unrecoverable'; c, d 'failed'. */
async function deadLetters() {
  const clock = new VirtualClock();
  const broker = await connect({ driver: new MemoryServer({ clock }).connect() });
  const q = broker.queue<string>('q', { maxAttempts: 1 });
  const worker = q.process((job) => {
    throw job.payload < 'c' ? new UnrecoverableError('no') : new Error('failed');
  });
  const ids: Record<string, string> = {};
  for (const name of ['a', 'b', 'c', 'd']) ids[name] = await q.send(name);
  await clock.advance(10);
  await worker.close();
  expect(await q.deadLetters.peek()).toHaveLength(4);
  const left = async () => (await q.deadLetters.peek()).map((letter) => letter.payload).sort();
  return { broker, q, ids, left };
}

describe('redrive by reason and by id', () => {
  it('reason: only the dead letters of that reason go back; the others stay, untouched', async () => {
    const { broker, q, left } = await deadLetters();
    expect(await q.deadLetters.redrive({ reason: 'unrecoverable' })).toBe(2);
    expect(await left()).toEqual(['c', 'd']);
    expect(await q.stats()).toMatchObject({ ready: 2, inFlight: 0 });
    expect(await q.deadLetters.redrive({ reason: 'unrecoverable' })).toBe(0);
    await broker.close();
  });

  it('ids: only those jobs; with a reason too, both must hold; limit counts the chosen', async () => {
    const { broker, q, ids, left } = await deadLetters();
    expect(await q.deadLetters.redrive({ ids: [ids.b!, ids.d!], reason: 'failed' })).toBe(1);
    expect(await left()).toEqual(['a', 'b', 'c']);
    expect(await q.deadLetters.redrive({ ids: [ids.a!, ids.b!, ids.c!], limit: 2 })).toBe(2);
    expect(await left()).toHaveLength(1);
    expect(await q.stats()).toMatchObject({ ready: 3 });
    await broker.close();
  });

  it('an adapter whose store cannot choose fails with UnsupportedFeatureError and moves nothing', async () => {
    const inner = new MemoryServer().connect();
    let redriven = false;
    const broker = await connect({
      driver: delegatingDriver(inner, {
        deadLetters: (queue) => {
          const store = inner.deadLetters(queue);
          return {
            peek: (limit) => store.peek(limit),
            redrive: async (limit) => {
              redriven = true;
              return store.redrive(limit);
            },
            purge: () => store.purge(),
          };
        },
      }),
    });
    await expect(broker.queue('q').deadLetters.redrive({ reason: 'failed' })).rejects.toBeInstanceOf(
      UnsupportedFeatureError,
    );
    expect(redriven).toBe(false);
    await broker.close();
  });
});

describe('kit redrive with select', () => {
  /** Letters are job ids; take goes on past what it handed out, as a held take does. */
  function source(letters: string[], fail = false): RedriveSource<string> & { log: string[] } {
    const log: string[] = [];
    return {
      log,
      take: async (max) => letters.splice(0, max),
      jobId: (letter) => letter,
      publish: async (chosen) => {
        log.push(`publish ${chosen.join(',')}`);
        return chosen.map(() => (fail ? { ok: false, error: new Error('down') } : { ok: true }));
      },
      remove: async (chosen) => void log.push(`remove ${chosen.join(',')}`),
      handBack: async (chosen) => void log.push(`handBack ${chosen.join(',')}`),
    };
  }

  it('moves the chosen across takes; the others are handed back once, at the end', async () => {
    const letters = source(['a1', 'b1', 'a2', 'b2', 'a3']);
    const moved = await redrive(letters, { batchSize: 2, select: (letter) => letter.startsWith('a') });
    expect(moved).toBe(3);
    expect(letters.log).toEqual([
      'publish a1',
      'remove a1',
      'publish a2',
      'remove a2',
      'publish a3',
      'remove a3',
      'handBack b1,b2',
    ]);
  });

  it('a failed publish still hands back the letters held aside', async () => {
    const letters = source(['b1', 'a1'], true);
    await expect(
      redrive(letters, { batchSize: 2, select: (letter) => letter.startsWith('a') }),
    ).rejects.toThrow('down');
    expect(letters.log).toContain('handBack b1');
    expect(letters.log).toContain('handBack a1');
  });
});
