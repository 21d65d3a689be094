import { describe, expect, it } from 'vitest';
import { type RedriveRequest, type RedriveSource, redrive } from '../src/driver/index.js';
import {
  connect,
  type DeadLetterReason,
  ErrorCode,
  MemoryServer,
  PolyqueueError,
  UnrecoverableError,
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

  it('the store gets one request: limit, and a select only when ids or reason narrow it', async () => {
    const inner = new MemoryServer().connect();
    const requests: RedriveRequest[] = [];
    const broker = await connect({
      driver: delegatingDriver(inner, {
        deadLetters: (queue) => {
          const store = inner.deadLetters(queue);
          return {
            peek: (limit) => store.peek(limit),
            redrive: async (request) => {
              requests.push(request);
              return 0;
            },
            purge: () => store.purge(),
          };
        },
      }),
    });
    const dead = broker.queue('q').deadLetters;
    await dead.redrive({ limit: 3 });
    await dead.redrive({ ids: ['j1'], reason: 'failed' });
    expect(requests[0]).toEqual({ limit: 3 });
    const select = requests[1]?.select;
    expect(select).toBeTypeOf('function');
    const letter = (id: string, reason: DeadLetterReason) =>
      ({
        body: new Uint8Array(),
        attributes: {},
        meta: { id },
        record: { reason },
        native: undefined,
      }) as never;
    expect(select?.(letter('j1', 'failed'))).toBe(true);
    expect(select?.(letter('j1', 'decode'))).toBe(false);
    expect(select?.(letter('j2', 'failed'))).toBe(false);
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

  it('stops once it holds `hold.letters` unselected letters: ResourceExhausted, all handed back', async () => {
    const letters = source(['b1', 'b2', 'b3', 'a1', 'b4']);
    const error = await redrive(letters, {
      batchSize: 2,
      select: (letter) => letter.startsWith('a'),
      hold: { letters: 2 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolyqueueError);
    expect((error as PolyqueueError).code).toBe(ErrorCode.ResourceExhausted);
    expect((error as Error).message).toMatch(/2 dead letters it did not select.*0 moved/);
    expect(letters.log).toEqual(['handBack b1,b2']);
  });

  it('stops once it has held letters for `hold.ms`, before taking more', async () => {
    let now = 0;
    const letters = source(['b1', 'a1', 'a2', 'a3']);
    const taking = letters.take;
    letters.take = async (max) => {
      now += 400;
      return taking(max);
    };
    const error = await redrive(letters, {
      batchSize: 1,
      select: (letter) => letter.startsWith('a'),
      hold: { ms: 500, now: () => now },
    }).catch((e: unknown) => e);
    expect((error as PolyqueueError).code).toBe(ErrorCode.ResourceExhausted);
    expect((error as Error).message).toMatch(/for 800 ms.*2 moved/);
    expect(letters.log).toEqual(['publish a1', 'remove a1', 'publish a2', 'remove a2', 'handBack b1']);
  });
});
