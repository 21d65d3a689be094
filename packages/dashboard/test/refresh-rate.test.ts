import { type Broker, connect, Queue } from '@polyqueue/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ServedDashboard, serveDashboard } from '../src/index.js';
import { call } from './http-client.js';

let broker: Broker;
let dashboard: ServedDashboard;

beforeAll(async () => {
  broker = await connect('memory://dashboard-refresh-rate');
  for (const name of ['a', 'b']) await broker.queue(name).provision();
  dashboard = await serveDashboard({ broker, port: 0, queues: ['a', 'b'], refreshMs: 1_000 });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await dashboard?.close();
  await broker?.close();
});

describe('live refresh', () => {
  it('reads the broker at most once per refreshMs, however many pages ask', async () => {
    await call(`${dashboard.url}api/queues`);
    const reads = vi.spyOn(Queue.prototype, 'stats');
    const started = performance.now();
    // 40 page refreshes in about half a second: as 20 open tabs polling.
    for (let round = 0; round < 4; round++) {
      await Promise.all(Array.from({ length: 10 }, () => call(`${dashboard.url}api/queues`)));
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    // Two queues, one reading each per tick that fell inside (reading on every request: 80).
    const ticks = Math.floor((performance.now() - started) / 1_000) + 1;
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2 * ticks);
  });

  it('stops reading the broker once closed', async () => {
    const reads = vi.spyOn(Queue.prototype, 'stats');
    await dashboard.close();
    const before = reads.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(reads.mock.calls.length).toBe(before);
  });
});
