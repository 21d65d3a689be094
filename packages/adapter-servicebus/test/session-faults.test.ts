import { describe, expect, it } from 'vitest';
import { fakeHarness } from './fake-harness.js';

/**
 * A session whose record cannot be written (the namespace unreachable mid-session) is given up and
 * goes back to the service, which offers it again at once. The old receiver said nothing and
 * accepted it again in the same receive call, with no pause: on a fault that lasts, a hot loop
 * that starved the event loop.
 */
describe('servicebus session receiver under a lasting fault (fake namespace, virtual clock)', () => {
  it('reports each lost session with its queue, backs off between attempts, and runs the job once the fault clears', async () => {
    const harness = fakeHarness({ sessions: true });
    const { sleep } = harness.time!;
    const broker = await harness.connect();
    const reports: { action: string; queue: string | undefined; code: string }[] = [];
    broker.on('error', (error, info) =>
      reports.push({ action: info.action, queue: info.queue, code: error.code }),
    );
    const queue = broker.queue<{ n: number }>('faulty');
    await queue.provision();
    let handled = 0;
    queue.process(async () => {
      handled++;
    });
    harness.failingSessionState.add('faulty');
    await queue.send({ n: 1 }, { orderingKey: 'k' });
    await sleep(30_000);
    const lost = reports.filter((r) => r.action === 'session-lost');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost[0]).toEqual({ action: 'session-lost', queue: 'faulty', code: 'Unavailable' });
    // 250 ms doubling to 8 s: about 8 attempts in 30 s, not thousands.
    expect(lost.length).toBeLessThan(15);
    expect(handled).toBe(0);
    harness.failingSessionState.delete('faulty');
    for (let i = 0; i < 200 && handled === 0; i++) await sleep(100);
    expect(handled).toBe(1);
    let closed = false;
    const closing = broker.close().then(() => {
      closed = true;
    });
    for (let i = 0; i < 200 && !closed; i++) await sleep(100);
    await closing;
  }, 30_000);
});
