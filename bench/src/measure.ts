import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Timing, latency and RSS helpers shared by every suite. Kept free of any broker so that an
 * adapter's suite and its raw-client baseline are measured by exactly the same code.
 */

/** Nanosecond monotonic time: Date.now() is too coarse for sub-second runs. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/**
 * Runs a timed case `times` times, alternating nothing else, and keeps the median seconds: one
 * run on two shared cores can land on a major GC or a neighbour's burst and be off by 30%.
 */
export async function medianSeconds(times: number, run: () => Promise<number>): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < times; i++) seconds.push(await run());
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor(seconds.length / 2)]!;
}

/** `medianSeconds` with a full GC before each run, so that no run pays for the one before it. */
export function medianAfterGc(times: number, run: () => Promise<number>): Promise<number> {
  return medianSeconds(times, () => {
    collectGarbage();
    return run();
  });
}

/** The process's resident set size, in MiB. `rss()` is a cheap syscall, unlike memoryUsage(). */
/**
 * Every case once per round, `times` rounds, a full GC before each run; each case's runs in
 * order. Rounds rather than one case's repeats in a row: a broker's speed drifts during a run
 * (a quorum queue's log grows, pstest keeps every message it saw), and the case measured last
 * would meet a slower broker every time. The order turns every other round (A B, B A, ...), so
 * that no case is always the one measured right after another's run.
 */
export async function inRounds<K extends string, R>(
  times: number,
  cases: Readonly<Record<K, () => Promise<R>>>,
): Promise<Record<K, R[]>> {
  const names = Object.keys(cases) as K[];
  const runs = Object.fromEntries(names.map((name) => [name, [] as R[]])) as Record<K, R[]>;
  for (let i = 0; i < times; i++) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) {
      collectGarbage();
      runs[name].push(await cases[name]());
    }
  }
  return runs;
}

export function rssMiB(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}

/**
 * Live JS heap after a full GC, in MiB: what is really retained. RSS alone cannot tell a leak
 * from V8 keeping pages it has already freed.
 */
export function liveHeapMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

let gcFunction: (() => void) | undefined;

/**
 * Collects garbage between cases, so one case's leftovers neither inflate the next one's RSS nor
 * pause it mid-run. `npm run bench` cannot pass --expose-gc through tsx, so the flag is set at
 * run time and the function fetched from a fresh context (a documented V8 idiom, bench-only).
 */
export function collectGarbage(): void {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
}

/**
 * Latency samples in milliseconds, in a preallocated Float64Array: pushing to a JS array of
 * boxed numbers would allocate on the very path being measured.
 */
export class LatencySamples {
  readonly #values: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  add(ms: number): void {
    if (this.#count < this.#values.length) this.#values[this.#count++] = ms;
  }

  /** p in [0, 100], nearest-rank. NaN when there are no samples. */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    const sorted = this.#values.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil((p / 100) * this.#count) - 1));
    return sorted[rank]!;
  }
}

/** One point of a memory trace. The heap and array-buffer figures are set only after a forced GC. */
export interface MemorySample {
  readonly jobs: number;
  readonly rssMiB: number;
  /** Live JS heap (heapUsed) right after a full GC. */
  readonly heapMiB?: number;
  /** Bytes held by ArrayBuffers (message bodies live in Node's Buffer pool slabs) after that GC. */
  readonly arrayBuffersMiB?: number;
}

/**
 * RSS at chosen points of a long run, to tell a flat footprint from a leak. With `afterGc`, each
 * sample first forces a full GC and also records the live heap and array buffers: RSS then no
 * longer depends on when V8 last collected, and retention shows apart from RSS.
 */
export class RssTrace {
  readonly samples: MemorySample[] = [];
  readonly #afterGc: boolean;

  constructor(options: { afterGc?: boolean } = {}) {
    this.#afterGc = options.afterGc ?? false;
  }

  sample(jobs: number): void {
    if (!this.#afterGc) {
      this.samples.push({ jobs, rssMiB: rssMiB() });
      return;
    }
    collectGarbage();
    const usage = process.memoryUsage();
    this.samples.push({
      jobs,
      rssMiB: usage.rss / MIB,
      heapMiB: usage.heapUsed / MIB,
      arrayBuffersMiB: usage.arrayBuffers / MIB,
    });
  }

  get start(): number {
    return this.samples[0]?.rssMiB ?? Number.NaN;
  }

  get peak(): number {
    return Math.max(...this.samples.map((s) => s.rssMiB));
  }

  get end(): number {
    return this.samples.at(-1)?.rssMiB ?? Number.NaN;
  }

  /**
   * How far the second half of the run rose above the first half's highest value (RSS by
   * default). V8 grows its heap to a working size early on and then oscillates with each GC; a
   * leak keeps climbing past the first half's high-water mark, a flat run does not.
   */
  lateGrowthMiB(value: (sample: MemorySample) => number = (s) => s.rssMiB): number {
    const middle = Math.ceil(this.samples.length / 2);
    const highest = (list: readonly MemorySample[]) => Math.max(...list.map(value));
    return highest(this.samples.slice(middle)) - highest(this.samples.slice(0, middle));
  }

  /**
   * How far the second half's lowest value rose above the first half's lowest. For figures read
   * right after a forced GC that still lag it: V8 frees dead ArrayBuffers' memory on a background
   * thread, so one sample can show megabytes that the next one no longer does. Lag only adds
   * spikes; a leak raises the floor.
   */
  floorGrowthMiB(value: (sample: MemorySample) => number): number {
    const middle = Math.ceil(this.samples.length / 2);
    const lowest = (list: readonly MemorySample[]) => Math.min(...list.map(value));
    return lowest(this.samples.slice(middle)) - lowest(this.samples.slice(0, middle));
  }

  /** The RSS rule: the second half stayed within 20% (at least 32 MiB) of the first half's peak. */
  rssLimitMiB(): number {
    const middle = Math.ceil(this.samples.length / 2);
    return Math.max(32, 0.2 * Math.max(...this.samples.slice(0, middle).map((s) => s.rssMiB)));
  }
}

const MIB = 1024 * 1024;

/**
 * A promise with its resolver outside, for "resolve when the Nth job is handled" without a
 * polling loop.
 */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Yields to the event loop (I/O and timers included), unlike awaiting a resolved promise. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
