import {
  type Broker,
  connect,
  type MoveResult,
  moveJobs,
  type Queue,
  QueueNotFoundError,
  UnsupportedFeatureError,
} from '@polyqueue/core';
import { SingleBar } from 'cli-progress';
import { EXIT, UsageError } from '../exit-codes.js';
import { Output, secretsOfUrl } from '../output.js';

export interface MoveCommandOptions {
  readonly from?: string;
  readonly to?: string;
  readonly deadLetters?: boolean;
  readonly limit?: number;
  readonly rate?: number;
  readonly json?: boolean;
}

/** NDJSON progress lines at most this often; the bar redraws on its own clock. */
const PROGRESS_EVERY_MS = 1_000;

/** `--rate 500/s` or `--rate 500`: jobs a second, a number > 0. */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?$/.exec(text.trim());
  const rate = match === null ? Number.NaN : Number(match[1]);
  if (!(rate > 0)) throw new UsageError(`--rate "${text}" is not a rate like 500/s (jobs a second, > 0)`);
  return rate;
}

/**
 * `polyqueue move`: the deliverable jobs of one queue from one broker to another (moveJobs of
 * @polyqueue/core), with a progress bar on stderr, or NDJSON progress on stdout with --json.
 * Resolves with the exit code: 0 drained or limit reached, 130 stopped by Ctrl-C (a rerun goes on).
 */
export async function move(queue: string, options: MoveCommandOptions): Promise<number> {
  const { from, to } = options;
  const out = new Output(options.json === true, [...secretsOfUrl(from ?? ''), ...secretsOfUrl(to ?? '')]);
  if (!from || !to) throw new UsageError('move needs --from <url> and --to <url>');
  if (from === to) throw new UsageError('--from and --to are the same broker');
  const brokers: Broker[] = [];
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  // Jobs moved so far, undefined until moving began: reported if the move fails half-way.
  let moved: number | undefined;
  process.once('SIGINT', onSigint);
  try {
    // Provisioning off on both sides: a misspelt queue is reported, not created. The target's
    // queue exists once its workers run (docs/migrating-brokers.md, step 1).
    const source = await open(brokers, from, queue);
    const target = await open(brokers, to, queue);
    const ready = await total(source, 'source');
    await total(target, 'target');
    const redriven = options.deadLetters === true ? await source.deadLetters.redrive() : 0;
    if (redriven > 0) out.info(`${redriven} dead letter(s) of ${queue} back on its queue, to be moved`);
    moved = 0;
    const result = await withProgress(out, ready === undefined ? undefined : ready + redriven, (onProgress) =>
      moveJobs(source, target, {
        signal: stop.signal,
        onProgress: (count) => {
          moved = count;
          onProgress(count);
        },
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
      }),
    );
    // What a rerun may still find: due later, or back once a lease has passed. Unknown where the
    // broker cannot tell (or the stats fail: the move itself is done).
    const left = await source.stats().catch(() => undefined);
    report(out, queue, result, redriven, { delayed: left?.delayed, inFlight: left?.inFlight });
    return result.ended === 'stopped' ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    if (moved !== undefined) {
      out.record({ event: 'failed', queue, moved });
      out.info(
        `moved ${moved} job(s) of ${queue} before the error; the rest is on the source: run it again to go on`,
      );
    }
    throw redacted(out, error);
  } finally {
    process.off('SIGINT', onSigint);
    await Promise.all(brokers.map((broker) => broker.close({ timeoutMs: 5_000 }).catch(() => undefined)));
  }
}

async function open(brokers: Broker[], url: string, queue: string): Promise<Queue<unknown, never>> {
  const broker = await connect(url, { provision: false });
  brokers.push(broker);
  return broker.queue(queue);
}

/**
 * What there is to move as far as the broker can tell (ready + delayed is not it: delayed jobs
 * stay). Undefined when it cannot tell. Also the check that the queue exists on that side.
 */
async function total(queue: Queue<unknown, never>, side: string): Promise<number | undefined> {
  try {
    return (await queue.stats()).ready;
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) return undefined;
    // Which side is missing it, in the one line main prints.
    if (error instanceof QueueNotFoundError)
      throw Object.assign(new Error(`${side} broker: ${error.message}`), { code: error.code });
    throw error;
  }
}

async function withProgress(
  out: Output,
  total: number | undefined,
  run: (onProgress: (moved: number) => void) => Promise<MoveResult>,
): Promise<MoveResult> {
  const started = Date.now();
  const rate = (moved: number) => Math.round(moved / Math.max(0.001, (Date.now() - started) / 1_000));
  if (out.json) {
    let lastAt = 0;
    return run((moved) => {
      if (Date.now() - lastAt < PROGRESS_EVERY_MS) return;
      lastAt = Date.now();
      out.record({ event: 'progress', moved, total: total ?? null, ratePerSecond: rate(moved) });
    });
  }
  // cli-progress draws only on a terminal (stderr here); in a pipe, the summary line alone.
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      total === undefined
        ? 'moving {value} moved | {rate}/s'
        : 'moving [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
  });
  bar.start(total ?? 0, 0, { rate: 0 });
  try {
    return await run((moved) => {
      // A producer still sending to the source makes the total grow.
      if (total !== undefined && moved > bar.getTotal()) bar.setTotal(moved);
      bar.update(moved, { rate: rate(moved) });
    });
  } finally {
    bar.stop();
  }
}

interface LeftOnSource {
  readonly delayed: number | undefined;
  readonly inFlight: number | undefined;
}

function report(out: Output, queue: string, result: MoveResult, redriven: number, left: LeftOnSource): void {
  out.record({
    event: 'done',
    queue,
    moved: result.moved,
    ended: result.ended,
    deadLettersRedriven: redriven,
    // JSON has no undefined: a count the broker cannot tell is null.
    leftOnSource: { delayed: left.delayed ?? null, inFlight: left.inFlight ?? null },
  });
  const why =
    result.ended === 'stopped'
      ? 'stopped; what it held is back on the source: run it again to go on'
      : result.ended === 'limit'
        ? 'limit reached'
        : 'nothing deliverable left on the source (jobs still delayed there stay until due)';
  out.info(`moved ${result.moved} job(s) of ${queue}: ${why}`);
  if ((left.delayed ?? 0) > 0)
    out.info(`${left.delayed} still delayed on the source: they move once due (run it again then)`);
  if ((left.inFlight ?? 0) > 0)
    out.info(
      `${left.inFlight} in flight on the source (held by a worker, or by a killed move until its lease passes): run it again later`,
    );
}

/** The error as main prints it, with both URLs' credentials masked (main knows only --url). */
function redacted(out: Output, error: unknown): unknown {
  if (error instanceof UsageError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  return Object.assign(new Error(out.redact(error.message)), typeof code === 'string' ? { code } : {});
}
