import { describe, expect, it } from 'vitest';
import { sleep, VirtualClock } from '../src/index.js';

describe('VirtualClock', () => {
  it('fires timers in time order, equal deadlines in creation order, only when advanced', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    expect(fired).toEqual([]);
    await clock.advance(19);
    expect(fired).toEqual(['a@10']);
    await clock.advance(1);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(20);
    expect(clock.nextDueAt()).toBeUndefined();
  });

  it('lets promise chains started by one timer run before the next fires', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    void (async () => {
      await sleep(clock, 10);
      log.push('slept 10');
      await sleep(clock, 10);
      log.push('slept 20');
    })();
    clock.setTimeout(() => log.push('timer 15'), 15);
    await clock.advance(30);
    expect(log).toEqual(['slept 10', 'timer 15', 'slept 20']);
  });

  it('sleep rejects with the abort reason', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = sleep(clock, 1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.nextDueAt()).toBeUndefined();
  });
});
