import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/index.js';
import { MovePace } from '../src/runtime/move-pace.js';

describe('MovePace (move --rate)', () => {
  it('spaces takes to the rate, in steps of a quarter second, with no credit for idle time', async () => {
    const clock = new VirtualClock();
    const pace = new MovePace(clock, 8);
    const signal = new AbortController().signal;
    expect(pace.burst).toBe(2);
    await pace.turn(signal);
    pace.took(2);

    let done = false;
    const next = pace.turn(signal).then(() => {
      done = true;
    });
    await clock.advance(249);
    expect(done).toBe(false);
    await clock.advance(1);
    await next;
    expect(done).toBe(true);
    pace.took(2);

    // Ten idle seconds do not allow 80 jobs at once: the next take waits its 250 ms again.
    await clock.advance(10_000);
    await pace.turn(signal);
    pace.took(2);
    done = false;
    const after = pace.turn(signal).then(() => {
      done = true;
    });
    await clock.advance(249);
    expect(done).toBe(false);
    await clock.advance(1);
    await after;
  });

  it('a stop ends the wait at once', async () => {
    const clock = new VirtualClock();
    const pace = new MovePace(clock, 1);
    pace.took(100);
    const stop = new AbortController();
    const waiting = pace.turn(stop.signal);
    stop.abort();
    await waiting;
  });
});
