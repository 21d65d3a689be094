import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackgroundError,
  BackgroundErrors,
  type Clock,
  Forwarder,
  type ForwarderOptions,
} from '../../src/driver/index.js';
import { VirtualClock } from '../../src/index.js';
import { FakeDelayPath, type Msg } from './fake-delay-path.js';

const running: Forwarder<Msg>[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((forwarder) => forwarder.stop('abandon')));
});

function setup(options: Partial<ForwarderOptions> = {}, clock: Clock = new VirtualClock()) {
  const path = new FakeDelayPath(clock);
  const reports: BackgroundError[] = [];
  const errors = new BackgroundErrors();
  errors.attach((report) => reports.push(report));
  // idleMs keeps an empty pull from spinning: the fake answers at once, a broker would long-poll.
  const forwarder = new Forwarder(path, {
    clock,
    errors,
    queue: 'emails',
    pullSize: 10,
    idleMs: 100,
    ...options,
  });
  running.push(forwarder);
  return { path, reports, forwarder };
}

/** Makes the path's publishes wait until the returned function is called. */
function gate(path: FakeDelayPath): () => void {
  let open!: () => void;
  path.gate = new Promise((resolve) => {
    open = resolve;
  });
  return open;
}

/** A forwarder with 'due' being published (held up by a gate) and 'held' in memory for 10 s. */
async function publishingOneHoldingOne() {
  const clock = new VirtualClock();
  const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000 }, clock);
  const open = gate(path);
  path.add('due', 0);
  path.add('held', 10_000);
  forwarder.start();
  await clock.advance(0);
  return { clock, path, forwarder, open };
}

describe('Forwarder', () => {
  it('holds back a message that is not due, and forwards it (publish, then ack) once it is', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({}, clock);
    const message = path.add('a', 60_000);
    forwarder.start();
    await clock.advance(0);
    expect(path.log).toEqual(['holdBack a 60000']);
    expect(path.published).toEqual([]);
    await clock.advance(59_999);
    expect(path.published).toEqual([]);
    await clock.advance(200);
    expect(path.published).toEqual([{ id: 'a', at: expect.any(Number) }]);
    expect(path.published[0]!.at).toBeGreaterThanOrEqual(message.due);
    expect(path.acked).toEqual(['a']);
  });

  it('holds a message due within holdInMemoryBelowMs in memory, protects it, and forwards it exactly when due', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000 }, clock);
    const message = path.add('a', 10_000);
    forwarder.start();
    await clock.advance(0);
    expect(path.log).toEqual(['protect a 10000']);
    await clock.advance(9_999);
    expect(path.published).toEqual([]);
    await clock.advance(1);
    expect(path.published).toEqual([{ id: 'a', at: message.due }]);
    expect(path.acked).toEqual(['a']);
  });

  it('never forwards early, even on a clock whose timers fire early', async () => {
    const virtual = new VirtualClock();
    // A real timer may fire a little before Date.now() reaches its deadline: this one fires long
    // timers 5 ms early.
    const early: Clock = {
      now: () => virtual.now(),
      setTimeout: (callback, ms) => virtual.setTimeout(callback, ms >= 10 ? ms - 5 : ms),
      clearTimeout: (handle) => virtual.clearTimeout(handle),
    };
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000 }, early);
    const message = path.add('a', 10_000);
    forwarder.start();
    await virtual.advance(9_999);
    expect(path.published).toEqual([]);
    await virtual.advance(1);
    expect(path.published).toEqual([{ id: 'a', at: message.due }]);
  });

  it('forwards a due message at once', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000 }, clock);
    path.add('now', 0);
    path.add('soon', 5_000);
    forwarder.start();
    await clock.advance(0);
    expect(path.published.map((p) => p.id)).toEqual(['now']);
    expect(path.acked).toEqual(['now']);
  });

  it('lets a redelivery of a held message replace the held copy: protected anew, published once, the newest acked', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000 }, clock);
    const first = path.add('soon', 5_000);
    const acked: Msg[] = [];
    const ack = path.ack.bind(path);
    path.ack = async (messages) => {
      acked.push(...messages);
      await ack(messages);
    };
    forwarder.start();
    await clock.advance(1_000);
    const redelivered = { ...first }; // the broker's new delivery of the same message
    path.available.push(redelivered);
    await clock.advance(4_000);
    expect(path.log.filter((line) => line.startsWith('protect'))).toEqual([
      'protect soon 5000',
      'protect soon 3900', // pulled 100 ms (idleMs) after it was redelivered
    ]);
    expect(path.published).toEqual([{ id: 'soon', at: first.due }]);
    expect(acked).toHaveLength(1);
    expect(acked[0]).toBe(redelivered);
  });

  it('publishes a redelivery that is due once, not also the held copy', async () => {
    const virtual = new VirtualClock();
    // Timers fire 50 ms late here, so the redelivery (pulled when due) comes before the held copy's timer.
    const late: Clock = {
      now: () => virtual.now(),
      setTimeout: (callback, ms) => virtual.setTimeout(callback, ms + 50),
      clearTimeout: (handle) => virtual.clearTimeout(handle),
    };
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000, idleMs: 10 }, late);
    const first = path.add('soon', 1_000);
    forwarder.start();
    await virtual.advance(500);
    virtual.setTimeout(() => path.available.push({ ...first }), 500); // due now, redelivered
    await virtual.advance(2_000);
    expect(path.published.map((p) => p.id)).toEqual(['soon']);
  });

  it('hands back and reports an entry whose publish failed, and acks the others', async () => {
    const clock = new VirtualClock();
    const { path, reports, forwarder } = setup({}, clock);
    const refused = new Error('work queue refused b');
    path.outcome = (message) => (message.id === 'b' ? { ok: false, error: refused } : { ok: true });
    path.add('a', 0);
    path.add('b', 0);
    forwarder.start();
    await clock.advance(0);
    expect(path.acked).toEqual(['a']);
    expect(path.handedBack).toEqual(['b (publish-failed)']);
    expect(reports).toEqual([{ action: 'forward', queue: 'emails', error: refused }]);
  });

  it('treats a rejected publish as a failure of every entry: all handed back, reported once', async () => {
    const clock = new VirtualClock();
    const { path, reports, forwarder } = setup({}, clock);
    const down = new Error('connection lost');
    path.publish = async () => {
      throw down;
    };
    path.add('a', 0);
    path.add('b', 0);
    forwarder.start();
    await clock.advance(0);
    expect(path.acked).toEqual([]);
    expect(path.handedBack).toEqual(['a (publish-failed)', 'b (publish-failed)']);
    expect(reports).toEqual([{ action: 'forward', queue: 'emails', error: down }]);
  });

  it('graceful stop hands back what is held and waits for the publishes in flight', async () => {
    const { clock, path, forwarder, open } = await publishingOneHoldingOne();
    let stopped = false;
    const stopping = forwarder.stop('graceful').then(() => {
      stopped = true;
    });
    await clock.advance(0);
    expect(path.handedBack).toEqual(['held (stop)']);
    expect(stopped).toBe(false); // 'due' is still being published
    open();
    await stopping;
    expect(path.acked).toEqual(['due']);
    await clock.advance(20_000);
    expect(path.published.map((p) => p.id)).toEqual(['due']); // the held one's timer is gone
  });

  it('hands back (stop) what a pull brings while the forwarder is stopping, and publishes none of it', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({}, clock);
    const late = path.add('late', 0);
    path.available.length = 0;
    // A long poll that answers only when the stop aborts it, with a message it had already taken.
    path.pull = (_max, signal) =>
      new Promise((resolve) => signal.addEventListener('abort', () => resolve([late]), { once: true }));
    forwarder.start();
    await clock.advance(0);
    await forwarder.stop('graceful');
    expect(path.handedBack).toEqual(['late (stop)']);
    expect(path.published).toEqual([]);
  });

  it('abandon settles nothing: no hand-back, and no ack even when a publish in flight succeeds', async () => {
    const { clock, path, forwarder, open } = await publishingOneHoldingOne();
    await forwarder.stop('abandon');
    open();
    await clock.advance(20_000);
    expect(path.handedBack).toEqual([]);
    expect(path.acked).toEqual([]);
    expect(path.published.map((p) => p.id)).toEqual(['due']);
  });

  it('stops pulling at maxHeld and pulls again once a publish settles', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({ holdInMemoryBelowMs: 30_000, maxHeld: 2 }, clock);
    path.add('a', 1_000);
    path.add('b', 2_000);
    path.add('c', 0);
    forwarder.start();
    await clock.advance(500);
    expect(path.available.map((m) => m.id)).toEqual(['c']); // full: 'c' not pulled
    await clock.advance(500); // 'a' due: forwarded, room for one
    expect(path.published.map((p) => p.id)).toEqual(['a', 'c']);
  });

  it('reports a failed pull and backs off 250, 500, 1000 ms..., resetting after a success', async () => {
    const clock = new VirtualClock();
    const { path, reports, forwarder } = setup({ idleMs: 10_000 }, clock);
    path.pullFailures = 4;
    const start = clock.now();
    forwarder.start();
    await clock.advance(250 + 500 + 1_000 + 2_000);
    expect(path.pullTimes.map((t) => t - start)).toEqual([0, 250, 750, 1_750, 3_750]);
    expect(reports.map((r) => r.action)).toEqual([
      'forward-pull',
      'forward-pull',
      'forward-pull',
      'forward-pull',
    ]);
    expect(reports[0]).toMatchObject({
      queue: 'emails',
      error: expect.objectContaining({ message: 'delay path down' }),
    });
    // The fifth pull succeeded (empty: 10 s idle). The next failure waits the first step again.
    path.pullFailures = 1;
    await clock.advance(10_000 + 250);
    expect(path.pullTimes.map((t) => t - start)).toEqual([0, 250, 750, 1_750, 3_750, 13_750, 14_000]);
  });

  it('backs the pulls off while whole publishes fail, instead of re-pulling what they handed back at once', async () => {
    const clock = new VirtualClock();
    const { path, reports, forwarder } = setup({}, clock);
    path.returnHandedBack = true;
    path.publishFailures = 2;
    path.add('a', 0);
    const start = clock.now();
    forwarder.start();
    await clock.advance(250 + 500);
    // Pull, fail; 250 ms; pull, fail; 500 ms; pull, published; pull again at once (reset).
    expect(path.pullTimes.slice(0, 4).map((t) => t - start)).toEqual([0, 250, 750, 750]);
    expect(path.acked).toEqual(['a']);
    expect(reports.map((r) => r.action)).toEqual(['forward', 'forward']);
    // The success reset the backoff: the next failure waits 250 ms again, not 1 s.
    const before = path.pullTimes.length;
    path.add('b', 0);
    path.publishFailures = 1;
    await clock.advance(100 + 250);
    const since = path.pullTimes.slice(before).map((t) => t - path.pullTimes[before]!);
    expect(since.slice(0, 2)).toEqual([0, 250]);
    expect(path.acked).toEqual(['a', 'b']);
  });

  it('does not forward at once what a pull brought back while a whole publish failed: it waits the backoff first', async () => {
    const clock = new VirtualClock();
    const { path, reports, forwarder } = setup({}, clock);
    path.returnHandedBack = true;
    path.publishFailures = 1;
    const openPublish = gate(path);
    path.add('a', 0);
    forwarder.start();
    await clock.advance(0); // 'a' pulled, its publish held up; the next pull finds nothing
    await clock.advance(100); // idle wait over: this pull is held up too, in flight
    let openPull!: () => void;
    path.pullGate = new Promise((resolve) => {
      openPull = resolve;
    });
    await clock.advance(100);
    openPublish(); // fails whole: 'a' handed back, available to the pull in flight
    await clock.advance(0);
    path.pullGate = undefined;
    openPull();
    await clock.advance(0);
    expect(reports.map((r) => r.action)).toEqual(['forward']);
    const failedAt = path.publishTimes[0]!;
    await clock.advance(2_000);
    expect(path.acked).toEqual(['a']);
    expect(path.publishTimes.length, 'publish calls').toBe(2);
    expect(path.publishTimes[1]! - failedAt).toBeGreaterThanOrEqual(250);
  });

  it('stop ends a backoff wait at once', async () => {
    const clock = new VirtualClock();
    const { path, forwarder } = setup({}, clock);
    path.pullFailures = 100;
    forwarder.start();
    await clock.advance(250 + 500 + 1_000 + 2_000 + 4_000 + 100); // now in an 8 s wait
    const pulls = path.pullTimes.length;
    await forwarder.stop('graceful'); // resolves without the clock moving
    await clock.advance(60_000);
    expect(path.pullTimes.length).toBe(pulls);
  });
});
