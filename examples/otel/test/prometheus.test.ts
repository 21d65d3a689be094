import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { startPrometheus } from '../src/prometheus.js';
import { freePort } from './free-port.js';

it('prometheus example: /metrics serves the polyqueue metrics and queue depth after jobs ran', async () => {
  const example = await startPrometheus({
    url: `memory://otel-prometheus-${randomBytes(3).toString('hex')}`,
    port: await freePort(),
    queues: ['emails'],
  });
  try {
    const emails = example.broker.queue<string>('emails');
    let done = 0;
    const allDone = new Promise<void>((resolve) => {
      emails.process(() => {
        if (++done === 3) resolve();
      });
    });
    await emails.sendBatch([{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }]);
    await allDone;
    await emails.send('waiting', { delay: 60_000 });
    const response = await fetch(example.metricsUrl, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    const text = await response.text();
    const sample = (name: string) =>
      text
        .split('\n')
        .find((line) => line.startsWith(`${name}{`) && line.includes('messaging_destination_name="emails"'));
    expect(sample('messaging_client_sent_messages_total')).toMatch(/ 4$/);
    expect(sample('messaging_client_consumed_messages_total')).toMatch(/ 3$/);
    expect(sample('messaging_process_duration_count')).toMatch(/ 3$/);
    expect(sample('messaging_client_operation_duration_count')).toMatch(/ 2$/);
    expect(sample('polyqueue_job_attempts_count')).toMatch(/ 3$/);
    // The conventions' buckets, in seconds, not the SDK's default (made for milliseconds).
    expect(sample('messaging_process_duration_bucket')).toContain('le="0.005"');
    expect(sample('polyqueue_queue_ready')).toMatch(/ 0$/);
    expect(sample('polyqueue_queue_delayed')).toMatch(/ 1$/);
    expect(sample('polyqueue_queue_in_flight')).toMatch(/ 0$/);
    expect(sample('polyqueue_queue_dead_lettered')).toMatch(/ 0$/);
  } finally {
    await example.stop();
  }
});
