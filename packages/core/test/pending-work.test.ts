import { describe, expect, it } from 'vitest';
import { settled } from '../../../test/support/settled.js';
import { PendingWork } from '../src/driver/kit/pending-work.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PendingWork (driver kit)', () => {
  it('is idle at once when nothing was tracked', async () => {
    const work = new PendingWork();
    expect(work.size).toBe(0);
    expect(await settled(work.idle())).toBe(true);
  });

  it('waits for every tracked promise, fulfilled or rejected, and returns each unchanged', async () => {
    const work = new PendingWork();
    const a = deferred();
    const b = deferred();
    expect(work.track(a.promise)).toBe(a.promise);
    work.track(b.promise).catch(() => undefined);
    expect(work.size).toBe(2);
    const idle = work.idle();
    a.resolve();
    expect(await settled(idle)).toBe(false);
    expect(work.size).toBe(1);
    b.reject(new Error('refused'));
    expect(await settled(idle)).toBe(true);
    expect(work.size).toBe(0);
  });

  it('also waits for work tracked while a close waits', async () => {
    const work = new PendingWork();
    const first = deferred();
    const later = deferred();
    work.track(first.promise);
    const idle = work.idle();
    work.track(later.promise);
    first.resolve();
    expect(await settled(idle)).toBe(false);
    later.resolve();
    expect(await settled(idle)).toBe(true);
  });
});
