import { afterEach, describe, expect, it } from 'vitest';
import type { Driver } from '../src/driver/index.js';
import { type Broker, connect, type Job, MemoryServer, sleep, VirtualClock } from '../src/index.js';
import { delegatingDriver } from './fake-driver.js';

const PROVISION_MS = 490;

let broker: Broker | undefined;
afterEach(() => broker?.close());

/** A memory driver whose provisioning takes PROVISION_MS of virtual time, like a real broker's. */
function slowProvisionDriver(clock: VirtualClock): Driver {
  const inner = new MemoryServer({ clock }).connect();
  return delegatingDriver(inner, {
    name: 'slow-provision',
    clock,
    provision: async (queue) => {
      await sleep(clock, PROVISION_MS);
      await inner.provision(queue);
    },
  });
}

async function sendAndReceive(
  send: (broker: Broker) => Promise<unknown>,
): Promise<{ calledAt: number; jobs: Job[]; clock: VirtualClock }> {
  const clock = new VirtualClock();
  broker = await connect({ driver: slowProvisionDriver(clock) });
  const calledAt = clock.now();
  const sent = send(broker);
  await clock.advance(PROVISION_MS);
  await sent;
  const jobs: Job[] = [];
  broker.queue('q').process((job) => {
    jobs.push(job);
  });
  await clock.advance(2_000);
  return { calledAt, jobs, clock };
}

describe('enqueuedAt: when the job reached the broker, not when the first send began provisioning', () => {
  it('send: the provisioning wait is not counted as time in the queue', async () => {
    const { calledAt, jobs } = await sendAndReceive((b) => b.queue('q').send({ n: 1 }));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.enqueuedAt.getTime()).toBe(calledAt + PROVISION_MS);
  });

  it('sendBatch: every item is stamped at the hand-over', async () => {
    const { calledAt, jobs } = await sendAndReceive((b) =>
      b.queue('q').sendBatch([{ payload: 1 }, { payload: 2 }, { payload: 3 }]),
    );
    expect(jobs.map((job) => job.enqueuedAt.getTime())).toEqual(Array(3).fill(calledAt + PROVISION_MS));
  });

  it('a delay still counts from the send call', async () => {
    const clock = new VirtualClock();
    broker = await connect({ driver: slowProvisionDriver(clock) });
    const q = broker.queue('q');
    const calledAt = clock.now();
    const sent = q.send('later', { delay: 1_000 });
    await clock.advance(PROVISION_MS);
    await sent;
    const startedAt: number[] = [];
    q.process(() => {
      startedAt.push(clock.now());
    });
    await clock.advance(2_000);
    expect(startedAt).toEqual([calledAt + 1_000]);
  });
});
