import { BrokerError, connect } from '@polyqueue/core';
import { afterAll, expect, it } from 'vitest';
import { queueKeys } from '../src/index.js';
import { deleteKeys, REDIS_URL, rawClient, runPrefix } from './redis-server.js';

const prefix = runPrefix('bg');
const raw = await rawClient();

afterAll(async () => {
  raw.disconnect();
  await deleteKeys(prefix);
});

it('a forwarder that cannot move a due job reports it on the broker error event, with its queue, and keeps the job', async () => {
  const broker = await connect(`${REDIS_URL}?key_prefix=${prefix}`);
  try {
    const reports: { error: Error; action: string; queue?: string }[] = [];
    broker.on('error', (error, info) => reports.push({ error, ...info }));
    const queue = broker.queue('bg');
    await queue.provision();
    const keys = queueKeys(prefix, 'bg');
    queue.process(() => undefined).on('error', () => undefined); // its reads fail too: not this test's subject
    // The work stream replaced by a plain string: the move of a due job fails (WRONGTYPE).
    await raw.set(keys.stream, 'not a stream');
    await queue.send({ n: 1 }, { delay: 200 });
    const deadline = Date.now() + 5_000;
    while (!reports.some((report) => report.action === 'forward') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const report = reports.find((candidate) => candidate.action === 'forward');
    expect(report, `reports: ${reports.map((r) => r.action).join(', ')}`).toBeDefined();
    expect(report!.queue).toBe('bg');
    expect(report!.error).toBeInstanceOf(BrokerError);
    expect(report!.error.message).toMatch(/WRONGTYPE/);
    expect(await raw.zcard(keys.delayed), 'the due job stays in the delayed set').toBe(1);
    // Tried again after a pause, not in a tight loop (which would flood Redis and the log).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const forwards = reports.filter((candidate) => candidate.action === 'forward').length;
    expect(forwards, 'forward failures reported in 1.5 s').toBeLessThanOrEqual(3);
  } finally {
    await broker.close({ timeoutMs: 2_000 });
  }
});
