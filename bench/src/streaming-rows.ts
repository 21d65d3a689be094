import type { Broker } from '@polyqueue/core';
import type { Row } from './report.js';
import type { SuiteOptions } from './suite.js';
import { type StreamResult, stream } from './workload.js';

/** The producer keeps at most this many batches unhandled in a streaming run. */
export const STREAM_BACKLOG_BATCHES = 5;

export type AddRow = (
  metric: string,
  subject: string,
  value: number,
  unit: string,
  extra?: Partial<Row>,
) => void;

/**
 * The streaming case a broker suite runs on polyqueue (send and process at once, the backlog
 * bounded), and its three rows: end-to-end throughput and p50/p99 send-to-handler latency.
 */
export async function streamingRows(
  suite: string,
  broker: Broker,
  queue: string,
  jobs: number,
  o: SuiteOptions,
  add: AddRow,
): Promise<StreamResult> {
  const count = (n: number) => n.toLocaleString('en-US');
  o.log(`${suite}: streaming ${count(jobs)} jobs (send and process at once)`);
  const backlog = o.batchSize * STREAM_BACKLOG_BATCHES;
  const run = await stream(broker, queue, {
    jobs,
    concurrency: o.concurrency,
    batchSize: o.batchSize,
    backlog,
  });
  add(`end to end, streaming, c=${o.concurrency}`, 'polyqueue', jobs / run.seconds, 'jobs/s', {
    note: `${count(jobs)} jobs, backlog <= ${count(backlog)}`,
  });
  add('latency p50, streaming', 'polyqueue', run.latency.percentile(50), 'ms', {
    note: 'send to handler start, every 100th job',
  });
  add('latency p99, streaming', 'polyqueue', run.latency.percentile(99), 'ms');
  return run;
}
