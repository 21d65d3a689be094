import type { Row } from './report.js';

/** Settings every suite honours, so that all adapters run with the same sizes in one run. */
export interface SuiteOptions {
  /** Jobs per throughput case (send, process, raw baselines). */
  readonly jobs: number;
  /** Jobs in the long RSS run. */
  readonly rssJobs: number;
  /** Runs of each throughput case; the median is reported. */
  readonly repeats: number;
  /** Handlers running at once, for polyqueue and the raw loop alike. */
  readonly concurrency: number;
  /** Items per sendBatch call. */
  readonly batchSize: number;
  /** Jobs per second for the paced latency run. */
  readonly pacedRate: number;
  /** How long the paced latency run lasts, in seconds. */
  readonly pacedSeconds: number;
  /** Print progress lines to stderr (so stdout stays a clean table). */
  readonly log: (line: string) => void;
}

/**
 * A benchmark suite: one adapter (or peer) measured against its raw client. Each later adapter
 * adds one file under suites/ and one entry in suites/index.ts.
 */
export interface Suite {
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Returns the reason to skip (a broker is not running...), or undefined when it can run. */
  unavailable?(): Promise<string | undefined>;
  run(options: SuiteOptions): Promise<Row[]>;
}
