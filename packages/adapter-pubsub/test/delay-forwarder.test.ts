import { BackgroundErrors, systemClock } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { delayForwarder, HOLD_WINDOW_MS } from '../src/delay-forwarder.js';
import { FakePubSubApi } from './fake-api.js';

async function setup() {
  const api = new FakePubSubApi();
  for (const name of ['jobs', 'jobs.ready', 'jobs.delay']) {
    await api.createTopic(name);
    await api.createSubscription(name, name, { ackDeadlineSeconds: 60 });
  }
  const errors: string[] = [];
  const reports = new BackgroundErrors();
  reports.attach(({ action }) => errors.push(action));
  const forwarder = delayForwarder({
    api,
    clock: systemClock,
    errors: reports,
    queue: 'jobs',
    delay: 'jobs.delay',
    target: 'jobs.ready',
    wait: false,
    pollIntervalMs: 5,
  });
  return { api, forwarder, errors };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('delay forwarder (fake client)', () => {
  it('publishes a due job to the ready topic, never the work topic (without its due time, with its ordering key), then acks it', async () => {
    const { api, forwarder } = await setup();
    const due = Date.now() + 150;
    await api.publish('jobs.delay', [
      {
        data: new Uint8Array([1]),
        attributes: { 'pq-id': 'a', 'pq-not-before': String(due), 'pq-ordering-key': 'k' },
      },
    ]);
    forwarder.start();
    await until(() => api.messagesOf('jobs.ready').length === 1);
    expect(Date.now()).toBeGreaterThanOrEqual(due);
    expect(api.messagesOf('jobs')).toHaveLength(0);
    const [forwarded] = api.messagesOf('jobs.ready');
    expect(forwarded).toMatchObject({
      attributes: { 'pq-id': 'a', 'pq-ordering-key': 'k' },
      orderingKey: 'k',
    });
    await until(() => api.messagesOf('jobs.delay').length === 0);
    const publishAt = api.calls.indexOf('publish jobs.ready');
    const ackAt = api.calls.findIndex((call) => call.startsWith('ack jobs.delay'));
    expect(publishAt).toBeGreaterThanOrEqual(0);
    expect(ackAt).toBeGreaterThan(publishAt);
    await forwarder.stop('graceful');
  });

  it('leaves the job on the delay path when the publish fails, handed back at once (the kit paces the pulls)', async () => {
    const { api, forwarder, errors } = await setup();
    api.failPublishTo.add('jobs.ready');
    await api.publish('jobs.delay', [{ data: new Uint8Array([1]), attributes: { 'pq-id': 'b' } }]);
    forwarder.start();
    await until(() => errors.length > 0);
    // No pause of its own: the kit's Forwarder backs off its pulls while publishes fail.
    await until(() => api.calls.some((call) => /^modack jobs\.delay \S+ 0$/.test(call)));
    await forwarder.stop('abandon');
    expect(errors[0]).toBe('forward');
    expect(api.messagesOf('jobs.delay')).toHaveLength(1);
    expect(api.calls.some((call) => call.startsWith('ack jobs.delay'))).toBe(false);
  });

  it('parks a job due beyond the hold window on the broker until shortly before it is due', async () => {
    const { api, forwarder } = await setup();
    const due = Date.now() + HOLD_WINDOW_MS + 120_000;
    await api.publish('jobs.delay', [
      { data: new Uint8Array([1]), attributes: { 'pq-id': 'c', 'pq-not-before': String(due) } },
    ]);
    forwarder.start();
    await until(() => api.calls.some((call) => call.startsWith('modack jobs.delay')));
    await forwarder.stop('graceful');
    const parked = api.calls.find((call) => call.startsWith('modack jobs.delay'))!;
    const seconds = Number(parked.split(' ').at(-1));
    // Back half a hold window before it is due: 120 s + 15 s, give or take a second of test time.
    expect(seconds).toBeGreaterThanOrEqual(133);
    expect(seconds).toBeLessThanOrEqual(135);
    expect(api.messagesOf('jobs.ready')).toHaveLength(0);
  });

  it('hands held jobs back at once on a graceful stop', async () => {
    const { api, forwarder } = await setup();
    await api.publish('jobs.delay', [
      {
        data: new Uint8Array([1]),
        attributes: { 'pq-id': 'd', 'pq-not-before': String(Date.now() + 10_000) },
      },
    ]);
    forwarder.start();
    await until(() => api.calls.some((call) => call.startsWith('modack jobs.delay')));
    await forwarder.stop('graceful');
    expect(api.calls.at(-1)).toMatch(/^modack jobs\.delay \S+ 0$/);
    expect(api.messagesOf('jobs.ready')).toHaveLength(0);
  });
});
