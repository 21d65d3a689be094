import { ErrorCode } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import type { MonitoringClient, TimeSeriesLike } from '../src/monitoring-stats.js';
import { createPubSubDriver } from '../src/pubsub-adapter.js';
import { pubsubErrorCode } from '../src/pubsub-errors.js';
import { FakePubSubApi } from './fake-api.js';

const jobs: QueueTopology = { name: 'jobs', deadLetterName: 'jobs.dlq', leaseMs: 10_000, maxAttempts: 3 };

/**
 * A Cloud Monitoring client of the documented shape (`listTimeSeries` resolving to `[series]`),
 * answering `num_undelivered_messages` from the fake's subscriptions: one series per subscription
 * named in the filter, newest point first, int64 values as strings as the API sends them.
 */
class FakeMonitoring implements MonitoringClient {
  readonly requests: Parameters<MonitoringClient['listTimeSeries']>[0][] = [];
  /** Subscriptions Monitoring has no sample of yet. */
  readonly unsampled = new Set<string>();
  readonly #api: FakePubSubApi;

  constructor(api: FakePubSubApi) {
    this.#api = api;
  }

  async listTimeSeries(request: Parameters<MonitoringClient['listTimeSeries']>[0]) {
    this.requests.push(request);
    const ids = [...request.filter.matchAll(/"([^"]+)"/g)]
      .map((m) => m[1]!)
      .filter((id) => !id.includes('/'));
    const series: TimeSeriesLike[] = ids
      .filter((id) => !this.unsampled.has(id) && this.#api.subscriptions.has(id))
      .map((id) => ({
        resource: { labels: { project_id: 'fake', subscription_id: id } },
        points: [
          { value: { int64Value: String(this.#api.subscriptions.get(id)!.messages.size) } },
          { value: { int64Value: '999' } },
        ],
      }));
    return [series] as const;
  }
}

async function setup(monitoring?: (api: FakePubSubApi) => MonitoringClient, prefix?: string) {
  const api = new FakePubSubApi();
  const driver = createPubSubDriver({
    api,
    ...(monitoring ? { monitoring: monitoring(api) } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
  });
  await driver.provision(jobs);
  return { api, driver };
}

describe('pubsub stats', () => {
  it('without a monitoring client: declares no count, answers undefined for each', async () => {
    const { driver } = await setup();
    expect(driver.capabilities.stats).toEqual([]);
    expect(await driver.stats(jobs)).toEqual({
      ready: undefined,
      delayed: undefined,
      inFlight: undefined,
      deadLettered: undefined,
    });
  });

  it('of a queue that does not exist fails with NotFound rather than answer "unknown"', async () => {
    const { driver } = await setup();
    const missing = { ...jobs, name: 'nowhere', deadLetterName: 'nowhere.dlq' };
    const error = await driver.stats(missing).catch((e: unknown) => e);
    expect(pubsubErrorCode(error)).toBe(ErrorCode.NotFound);
  });

  it('with one: delayed and deadLettered from num_undelivered_messages of the delay and dead-letter subscriptions', async () => {
    let monitoring: FakeMonitoring | undefined;
    const { api, driver } = await setup((fakeApi) => {
      monitoring = new FakeMonitoring(fakeApi);
      return monitoring;
    });
    expect(driver.capabilities.stats).toEqual(['delayed', 'deadLettered']);
    await api.publish('jobs.delay', [
      { data: new Uint8Array([1]), attributes: {} },
      { data: new Uint8Array([2]), attributes: {} },
    ]);
    await api.publish('jobs.dlq', [{ data: new Uint8Array([3]), attributes: {} }]);
    const stats = await driver.stats(jobs);
    expect(stats).toEqual({ ready: undefined, delayed: 2, inFlight: undefined, deadLettered: 1 });
    const [request] = monitoring!.requests;
    expect(request!.name).toBe('projects/fake');
    expect(request!.filter).toContain(
      'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"',
    );
    expect(request!.filter).toContain('resource.labels.subscription_id = one_of("jobs.delay", "jobs.dlq")');
    expect(request!.interval.endTime.seconds - request!.interval.startTime.seconds).toBe(300);
  });

  it('a subscription Monitoring has no recent sample of is undefined, not 0', async () => {
    const { driver } = await setup((api) => {
      const monitoring = new FakeMonitoring(api);
      monitoring.unsampled.add('jobs.delay');
      return monitoring;
    });
    expect(await driver.stats(jobs)).toMatchObject({ delayed: undefined, deadLettered: 0 });
  });
});

describe('pubsub queues()', () => {
  it('lists the work queues of the prefix: no dead-letter, ready or delay topic, no other prefix', async () => {
    const { api, driver } = await setup(undefined, 'app-');
    await driver.provision({ ...jobs, name: 'mail', deadLetterName: 'mail-failed' });
    await api.createTopic('other-jobs');
    expect(driver.capabilities.listQueues).toBe(true);
    expect([...(await driver.queues())].sort()).toEqual(['jobs', 'mail']);
  });
});
