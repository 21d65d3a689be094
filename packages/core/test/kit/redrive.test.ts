import { describe, expect, it } from 'vitest';
import { type RedriveSource, redrive, type SendOutcome } from '../../src/driver/index.js';

interface Letter {
  readonly n: number;
  readonly job: string;
}

/** A dead-letter queue in memory that records every call, in order. */
class FakeDeadLetters implements RedriveSource<Letter> {
  readonly stored: Letter[];
  readonly log: string[] = [];
  readonly takes: number[] = [];
  outcome: (letter: Letter) => SendOutcome = () => ({ ok: true });

  constructor(jobs: readonly string[]) {
    this.stored = jobs.map((job, n) => ({ n, job }));
  }

  async take(max: number): Promise<readonly Letter[]> {
    this.takes.push(max);
    return this.stored.splice(0, max);
  }

  jobId(letter: Letter): string {
    return letter.job;
  }

  async publish(letters: readonly Letter[]): Promise<readonly SendOutcome[]> {
    this.log.push(`publish ${names(letters)}`);
    return letters.map((letter) => this.outcome(letter));
  }

  async remove(letters: readonly Letter[]): Promise<void> {
    this.log.push(`remove ${names(letters)}`);
  }

  async handBack(letters: readonly Letter[]): Promise<void> {
    this.log.push(`handBack ${names(letters)}`);
  }
}

function names(letters: readonly Letter[]): string {
  return letters.map((letter) => `${letter.job}#${letter.n}`).join(',');
}

describe('redrive', () => {
  it('publishes, then removes, every letter and returns how many moved', async () => {
    const dlq = new FakeDeadLetters(['a', 'b', 'c']);
    expect(await redrive(dlq, { batchSize: 2 })).toBe(3);
    expect(dlq.log).toEqual(['publish a#0,b#1', 'remove a#0,b#1', 'publish c#2', 'remove c#2']);
  });

  it('moves each job id once per call: a later copy is removed, not published nor counted', async () => {
    const dlq = new FakeDeadLetters(['a', 'a', 'b', 'a']);
    expect(await redrive(dlq, { batchSize: 2 })).toBe(2);
    expect(dlq.log).toEqual(['publish a#0', 'remove a#0,a#1', 'publish b#2', 'remove b#2,a#3']);
  });

  it('hands a repeat back, not removed, when its first copy’s publish failed; the call rejects after the bookkeeping', async () => {
    const refused = new Error('source queue refused');
    const dlq = new FakeDeadLetters(['a', 'b', 'a']);
    dlq.outcome = (letter) => (letter.job === 'a' ? { ok: false, error: refused } : { ok: true });
    await expect(redrive(dlq, { batchSize: 10 })).rejects.toBe(refused);
    expect(dlq.log).toEqual(['publish a#0,b#1', 'remove b#1', 'handBack a#0,a#2']);
  });

  it('treats a rejected publish as every letter failed: all handed back, then rejects', async () => {
    const down = new Error('down');
    const dlq = new FakeDeadLetters(['a', 'b']);
    dlq.publish = async () => {
      throw down;
    };
    await expect(redrive(dlq, { batchSize: 10 })).rejects.toBe(down);
    expect(dlq.log).toEqual(['handBack a#0,b#1']);
  });

  it('honours the limit: takes no more than it may still move', async () => {
    const dlq = new FakeDeadLetters(['a', 'b', 'c', 'd', 'e']);
    expect(await redrive(dlq, { limit: 3, batchSize: 2 })).toBe(3);
    expect(dlq.takes).toEqual([2, 1]);
    expect(dlq.stored.map((letter) => letter.job)).toEqual(['d', 'e']);
  });

  it('does not count removed repeats toward the limit', async () => {
    const dlq = new FakeDeadLetters(['a', 'a', 'b', 'c']);
    expect(await redrive(dlq, { limit: 2, batchSize: 2 })).toBe(2);
    expect(dlq.log).toEqual(['publish a#0', 'remove a#0,a#1', 'publish b#2', 'remove b#2']);
  });

  it('returns 0 on an empty dead-letter queue', async () => {
    const dlq = new FakeDeadLetters([]);
    expect(await redrive(dlq, { batchSize: 10 })).toBe(0);
    expect(dlq.log).toEqual([]);
  });
});
