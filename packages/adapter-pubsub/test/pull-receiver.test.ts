import type { Delivery, QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { DeliveryCounter } from '../src/delivery-counter.js';
import { createPubSubDriver } from '../src/pubsub-adapter.js';
import type { PulledMessage } from '../src/pubsub-client.js';
import { PullSource } from '../src/pull-source.js';
import { nextWant, splitRoom } from '../src/room-split.js';
import { SubscriptionPuller } from '../src/subscription-puller.js';
import { FakePubSubApi } from './fake-api.js';

const topology: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 10_000, maxAttempts: 3 };
const never = new AbortController().signal;

async function setup() {
  const api = new FakePubSubApi();
  const driver = createPubSubDriver({ api, pollIntervalMs: 1 });
  await driver.provision(topology);
  return { api, driver };
}

/** Publishes `count` jobs to a topic as polyqueue would (ids `<topic>-<n>`). */
async function fill(api: FakePubSubApi, topic: string, count: number) {
  await api.publish(
    topic,
    Array.from({ length: count }, (_, n) => ({
      data: new Uint8Array([n]),
      attributes: { 'pq-id': `${topic}-${n}`, 'pq-enqueued-at': '1' },
    })),
  );
}

const from = (delivery: Delivery) => (delivery.meta.id.startsWith('jobs.ready-') ? 'ready' : 'work');

describe('pull receiver: work and ready subscriptions (fake client)', () => {
  it('never has pulls in flight plus messages out on lease summing to more than the room', async () => {
    const { api, driver } = await setup();
    await fill(api, 'jobs', 30);
    await fill(api, 'jobs.ready', 30);
    const maxUnsettled = 5;
    const leased = () =>
      ['jobs', 'jobs.ready'].flatMap((name) => api.messagesOf(name)).length -
      api.available('jobs') -
      api.available('jobs.ready');
    // Pulls of the work subscription are held for a while, as a long poll is: a pull of `ready`
    // may come back and be handed out while one of `work` is still in flight.
    api.pullGate = (subscription) =>
      new Promise((resolve) => setTimeout(resolve, subscription === 'jobs' ? 8 : 0));
    let inFlight = 0;
    let worst = 0;
    const pull = api.pull.bind(api);
    api.pull = async (subscription, max, options) => {
      if (subscription === 'jobs.delay') return pull(subscription, max, options); // the delay forwarder
      inFlight += max;
      worst = Math.max(worst, inFlight + leased());
      try {
        return await pull(subscription, max, options);
      } finally {
        inFlight -= max;
      }
    };
    const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled });
    const held: Delivery[] = [];
    const seen = new Set<string>();
    while (seen.size < 60) {
      const deliveries = await receiver.receive(maxUnsettled - held.length, never);
      for (const delivery of deliveries) {
        held.push(delivery);
        seen.add(delivery.meta.id);
      }
      expect(held.length).toBeLessThanOrEqual(maxUnsettled);
      // Settle a couple, as finishing handlers do, so that room opens in odd amounts.
      for (const delivery of held.splice(0, 2)) await delivery.ack();
    }
    for (const delivery of held) await delivery.ack();
    await receiver.close();
    expect(worst).toBeLessThanOrEqual(maxUnsettled);
    expect(api.pulls.some((p) => p.subscription === 'jobs.ready')).toBe(true);
    const workerPulls = api.pulls.filter((p) => p.subscription !== 'jobs.delay');
    expect(workerPulls.every((p) => p.max >= 1 && p.max <= maxUnsettled)).toBe(true);
  });

  it('starves neither subscription: with room for one they take turns, with more both get some', async () => {
    const { api, driver } = await setup();
    await fill(api, 'jobs', 20);
    await fill(api, 'jobs.ready', 20);
    const single = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 1 });
    const oneAtATime: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [delivery] = await single.receive(1, never);
      oneAtATime.push(from(delivery!));
      await delivery!.ack();
    }
    await single.close();
    expect(oneAtATime).toEqual(['ready', 'work', 'ready', 'work']);
    // Both full: `ready` (older jobs) may take up to half the room, `work` the rest.
    const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 4 });
    const sources = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const deliveries = await receiver.receive(4, never);
      for (const delivery of deliveries) {
        sources.add(from(delivery));
        await delivery.ack();
      }
    }
    await receiver.close();
    expect([...sources].sort()).toEqual(['ready', 'work']);
  });

  it('sizes a pull by the room settled deliveries freed, hands out what was asked, and has core keep the rest leased', async () => {
    const { api, driver } = await setup();
    await fill(api, 'jobs', 40);
    const kept = new Set<Delivery>();
    const receiver = driver.receiver(topology, {
      leaseMs: 10_000,
      maxUnsettled: 8,
      keepLease: keepingIn(kept),
    });
    const first = await receiver.receive(8, never);
    expect(first.length).toBeGreaterThan(0);
    // Settlements called, their acks still on the wire: a worker counting them would offer room 1.
    const settling = first.map((delivery) => delivery.ack());
    const pullsBefore = api.pulls.length;
    const next = await receiver.receive(1, never);
    expect(next).toHaveLength(1);
    const workPull = api.pulls.slice(pullsBefore).find((pull) => pull.subscription === 'jobs');
    // One pull for the room the settled deliveries freed (less the ready subscription's slot).
    expect(workPull!.max).toBeGreaterThanOrEqual(7);
    expect(kept.size).toBe(workPull!.max - 1);
    expect(kept.has(next[0]!)).toBe(false);
    const rest = await receiver.receive(8, never);
    expect(rest).toHaveLength(workPull!.max - 1);
    expect(kept.size).toBe(0); // handed out: core keeps their leases as the worker's own
    await Promise.all([...settling, ...[...next, ...rest].map((delivery) => delivery.ack())]);
    await receiver.close();
  });

  it('has core keep the lease at once of what a pull brings while no receive is running', async () => {
    const { driver, openWork } = await twoJobsOneRetryWorkPullHeld();
    const kept = new Set<Delivery>();
    const receiver = driver.receiver(topology, {
      leaseMs: 10_000,
      maxUnsettled: 3,
      keepLease: keepingIn(kept),
    });
    const first = await receiver.receive(3, never);
    expect(first.map(from)).toEqual(['ready']);
    expect(kept.size).toBe(0);
    // The work pull lands after receive returned: nobody is about to take its messages.
    openWork();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(kept.size).toBe(2);
    const rest = await receiver.receive(3, never);
    expect(rest.map(from)).toEqual(['work', 'work']);
    expect(kept.size).toBe(0);
    await Promise.all([...first, ...rest].map((delivery) => delivery.ack()));
    await receiver.close();
  });

  it('hands back at close what a pull still in flight brought after receive returned', async () => {
    const { api, driver, openWork } = await twoJobsOneRetryWorkPullHeld();
    const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 3 });
    const first = await receiver.receive(3, never);
    expect(first.map(from)).toEqual(['ready']);
    openWork();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(api.available('jobs')).toBe(0); // out on the lease of the finished pull
    api.calls.length = 0;
    await receiver.close();
    expect(api.calls).toEqual([expect.stringMatching(/^modack jobs \S+,\S+ 0$/)]);
    expect(api.available('jobs')).toBe(2);
    await first[0]!.ack();
  });

  it('resolves with nothing when its signal aborts during a long poll, and close ends the poll', async () => {
    const { api, driver } = await setup();
    api.pullGate = () => new Promise(() => {});
    const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 8 });
    const abort = new AbortController();
    const receiving = receiver.receive(8, abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    abort.abort();
    expect(await receiving).toEqual([]);
    await receiver.close(); // would hang if the polls in flight were not aborted
  });

  it('hands out a delivery of each subscription with its own delivery count', async () => {
    const { api, driver } = await setup();
    await fill(api, 'jobs', 1);
    await fill(api, 'jobs.ready', 1);
    const receiver = driver.receiver(topology, { leaseMs: 10_000, maxUnsettled: 2 });
    const deliveries = await receiver.receive(2, never);
    await receiver.close();
    expect(deliveries.map(from).sort()).toEqual(['ready', 'work']);
    expect(deliveries.map((delivery) => delivery.deliveryCount)).toEqual([1, 1]);
    // Message ids are only unique per topic: the fake numbers them across topics, Pub/Sub may not.
    expect(new Set(deliveries.map((delivery) => (delivery.native as PulledMessage).ackId)).size).toBe(2);
  });
});

describe('splitRoom', () => {
  it('never splits more than the room, and gives each subscription at least one slot of two', () => {
    for (let room = 0; room <= 40; room++) {
      for (const ready of [1, 2, 7, 64, Number.POSITIVE_INFINITY]) {
        for (const work of [1, 3, 64, Number.POSITIVE_INFINITY]) {
          for (const turn of ['ready', 'work'] as const) {
            const split = splitRoom(room, { ready: true, work: true }, { ready, work }, turn);
            expect(split.ready + split.work).toBeLessThanOrEqual(room);
            if (room >= 2) expect(Math.min(split.ready, split.work)).toBeGreaterThanOrEqual(1);
            if (room === 1) expect(split[turn]).toBe(1);
          }
        }
      }
    }
  });

  it('gives an idle ready subscription one slot and a busy one up to half', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(splitRoom(64, { ready: true, work: true }, { ready: 1, work: inf }, 'ready')).toEqual({
      ready: 1,
      work: 63,
    });
    expect(splitRoom(64, { ready: true, work: true }, { ready: inf, work: inf }, 'ready')).toEqual({
      ready: 32,
      work: 32,
    });
    // Work drained: ready takes what work does not want.
    expect(splitRoom(64, { ready: true, work: true }, { ready: inf, work: 1 }, 'ready')).toEqual({
      ready: 63,
      work: 1,
    });
    expect(splitRoom(10, { ready: false, work: true }, { ready: 1, work: inf }, 'ready')).toEqual({
      ready: 0,
      work: 10,
    });
  });

  it('asks for one after an empty long poll, twice as many after a full answer, as many after a short one', () => {
    expect(nextWant(8, 0, true)).toBe(1);
    expect(nextWant(1, 1, true)).toBe(2);
    expect(nextWant(8, 8, true)).toBe(16);
    expect(nextWant(8, 3, true)).toBe(8);
  });

  it('keeps asking for as many after an empty answer of an emulator, which holds no slots while it waits', () => {
    expect(nextWant(64, 0, false)).toBe(64);
    expect(nextWant(64, 64, false)).toBe(128);
  });
});

describe('SubscriptionPuller idle polling', () => {
  async function quietAfterEmptyPulls(wait: boolean, pulls: number): Promise<number[]> {
    const api = new FakePubSubApi();
    await api.createTopic('idle');
    await api.createSubscription('idle', 'idle', { ackDeadlineSeconds: 10 });
    const source = new PullSource(api, 'idle', new DeliveryCounter());
    const puller = new SubscriptionPuller(api, source, {
      wait,
      pollIntervalMs: 1_000,
      initialWant: 1,
      admit: async (messages) => messages,
    });
    const quiet: number[] = [];
    for (let i = 0; i < pulls; i++) {
      const before = Date.now();
      puller.start(1, never);
      await puller.pulling;
      // Rounded to the poll interval: the pull itself takes a few milliseconds.
      quiet.push(Math.round((puller.quietUntil - before) / 1_000));
    }
    return quiet;
  }

  it('polls an idle emulator subscription less often, up to 4 intervals, and a long poll after each interval', async () => {
    expect(await quietAfterEmptyPulls(false, 5)).toEqual([1, 2, 4, 4, 4]);
    expect(await quietAfterEmptyPulls(true, 3)).toEqual([1, 1, 1]);
  });
});

/** A `keepLease` that records the deliveries core is asked to keep, until each is let go. */
function keepingIn(kept: Set<Delivery>): (delivery: Delivery) => () => void {
  return (delivery) => {
    kept.add(delivery);
    return () => kept.delete(delivery);
  };
}

/** Two jobs on `work` and one on `ready`; pulls of `work` do not answer until `openWork()`. */
async function twoJobsOneRetryWorkPullHeld() {
  const { api, driver } = await setup();
  await fill(api, 'jobs', 2);
  await fill(api, 'jobs.ready', 1);
  let openWork = () => {};
  const workHeld = new Promise<void>((resolve) => {
    openWork = resolve;
  });
  api.pullGate = (subscription) => (subscription === 'jobs' ? workHeld : Promise.resolve());
  return { api, driver, openWork };
}
