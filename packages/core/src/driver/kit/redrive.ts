import { ErrorCode } from '../../errors/error-code.js';
import { PolyqueueError } from '../../errors/polyqueue-error.js';
import type { SendOutcome } from '../outgoing-message.js';

/** A dead-letter queue, as the {@link redrive} loop sees it. */
export interface RedriveSource<L> {
  /** Take (hold, invisible to other takers) up to `max` dead letters; [] when none are left. */
  take(max: number): Promise<readonly L[]>;
  jobId(letter: L): string;
  /**
   * Publish letters back to their source queue (grouping by source queue as the broker needs)
   * with `redrivenMeta`; per-letter outcomes, in order.
   */
  publish(letters: readonly L[]): Promise<readonly SendOutcome[]>;
  /** Delete letters from the dead-letter queue for good. */
  remove(letters: readonly L[]): Promise<void>;
  /** Release letters untouched (not moved in this call). */
  handBack(letters: readonly L[]): Promise<void>;
}

/**
 * How much a call with `select` may hold aside: held letters are locked, invisible or unacked on
 * the broker (and kept in memory here) until the call ends, so both are bounded. `ms` must be
 * shorter than the hold the source takes (its lock, visibility or deadline), so that no held
 * letter comes back to a later take of the same call.
 */
export interface RedriveHold {
  /** At most this many unselected letters held at once (default 10,000). */
  readonly letters?: number;
  /** At most this long since the first letter was held aside (default: no bound of time). */
  readonly ms?: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

export interface RedriveOptions<L> {
  readonly limit?: number | undefined;
  readonly batchSize: number;
  readonly select?: ((letter: L) => boolean) | undefined;
  /** Only with `select`. */
  readonly hold?: RedriveHold | undefined;
}

const HELD_LETTERS = 10_000;

/**
 * The one redrive loop. Moves at most `limit` jobs (default: all); each job id at most once per
 * call. With `select`, only the letters it accepts move: the others are held aside until the call
 * ends, so that `take` goes on past them, and are handed back then (a source whose `take` gives
 * back what an earlier take held must not be given a `select`). When what is held reaches a bound
 * of `hold`, the call stops there and rejects with a ResourceExhausted PolyqueueError saying how
 * many moved: the letters past the bound were not looked at, and an answer of "moved 0" would
 * wrongly say that none matched. A job can sit in the dead-letter queue twice (a worker died between writing its dead
 * letter and settling the original): a later copy of a job moved in this call is removed, not
 * counted, but only once the first copy's publish is confirmed, and handed back otherwise.
 *
 * Publish, confirmed, then remove: never a loss, at worst a duplicate. A failed publish hands its
 * letters back, and the call rejects with the first error once the batch's bookkeeping is done,
 * so nothing stays held. Resolves with how many jobs moved.
 */
export async function redrive<L>(source: RedriveSource<L>, options: RedriveOptions<L>): Promise<number> {
  const aside = new Aside<L>(options.hold);
  try {
    return await redriveLoop(source, options, aside);
  } finally {
    await handBack(source, aside.letters);
  }
}

async function redriveLoop<L>(
  source: RedriveSource<L>,
  options: RedriveOptions<L>,
  aside: Aside<L>,
): Promise<number> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const batchSize = Math.max(1, options.batchSize);
  const moved = new Set<string>();
  let count = 0;
  while (count < limit) {
    if (options.select !== undefined) aside.assertRoom(count);
    const taken = await source.take(Math.min(batchSize, limit - count));
    if (taken.length === 0) break;
    const letters = options.select === undefined ? taken : pick(taken, options.select, aside);
    const { fresh, repeats } = split(source, letters, moved);
    const failures: unknown[] = [];
    const outcomes = await publish(source, fresh);
    const published: L[] = [];
    const refused: L[] = [];
    fresh.forEach((letter, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        published.push(letter);
        moved.add(source.jobId(letter));
      } else {
        refused.push(letter);
        failures.push(
          outcome === undefined ? new Error('publish returned no outcome for this letter') : outcome.error,
        );
      }
    });
    count += published.length;
    // A repeat goes only once its job is back on its queue; otherwise it stays for a later call.
    const confirmedRepeats = repeats.filter((letter) => moved.has(source.jobId(letter)));
    const keptRepeats = repeats.filter((letter) => !moved.has(source.jobId(letter)));
    await settle(failures, [
      () => remove(source, [...published, ...confirmedRepeats]),
      () => handBack(source, [...refused, ...keptRepeats]),
    ]);
    if (failures.length > 0) throw failures[0];
  }
  return count;
}

/** The letters `select` accepts; the others go to `aside`. */
function pick<L>(letters: readonly L[], select: (letter: L) => boolean, aside: Aside<L>): L[] {
  const picked: L[] = [];
  for (const letter of letters) {
    if (select(letter)) picked.push(letter);
    else aside.hold(letter);
  }
  return picked;
}

/** The unselected letters of one call, within the bounds of its `hold`. */
class Aside<L> {
  readonly letters: L[] = [];
  readonly #maxLetters: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  #since: number | undefined;

  constructor(hold: RedriveHold = {}) {
    this.#maxLetters = Math.max(1, hold.letters ?? HELD_LETTERS);
    this.#maxMs = hold.ms ?? Number.POSITIVE_INFINITY;
    this.#now = hold.now ?? Date.now;
  }

  hold(letter: L): void {
    this.#since ??= this.#now();
    this.letters.push(letter);
  }

  /** Before a take: rejects when what is held aside reached a bound. */
  assertRoom(moved: number): void {
    const held = this.letters.length;
    const heldMs = this.#since === undefined ? 0 : this.#now() - this.#since;
    if (held < this.#maxLetters && heldMs < this.#maxMs) return;
    const bound =
      held >= this.#maxLetters
        ? `${held} dead letters it did not select (at most ${this.#maxLetters} are held at once)`
        : `dead letters it did not select for ${heldMs} ms (at most ${this.#maxMs} ms, the broker's hold on them)`;
    throw new PolyqueueError(
      `Redrive by selection stopped after holding ${bound}; ${moved} moved. The letters it did not reach are untouched: redrive them without a selection, or purge what is not wanted.`,
      { code: ErrorCode.ResourceExhausted },
    );
  }
}

/** The letters of jobs not yet moved (first copy of each), and the rest. */
function split<L>(
  source: RedriveSource<L>,
  letters: readonly L[],
  moved: ReadonlySet<string>,
): { fresh: L[]; repeats: L[] } {
  const fresh: L[] = [];
  const repeats: L[] = [];
  const inBatch = new Set<string>();
  for (const letter of letters) {
    const id = source.jobId(letter);
    if (moved.has(id) || inBatch.has(id)) repeats.push(letter);
    else {
      inBatch.add(id);
      fresh.push(letter);
    }
  }
  return { fresh, repeats };
}

async function publish<L>(source: RedriveSource<L>, letters: readonly L[]): Promise<readonly SendOutcome[]> {
  if (letters.length === 0) return [];
  try {
    return await source.publish(letters);
  } catch (error) {
    return letters.map(() => ({ ok: false, error }));
  }
}

function remove<L>(source: RedriveSource<L>, letters: readonly L[]): Promise<void> {
  return letters.length === 0 ? Promise.resolve() : source.remove(letters);
}

function handBack<L>(source: RedriveSource<L>, letters: readonly L[]): Promise<void> {
  return letters.length === 0 ? Promise.resolve() : source.handBack(letters);
}

/** Runs every step even when one fails, collecting the failures after those already there. */
async function settle(failures: unknown[], steps: readonly (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled(steps.map((step) => step()));
  for (const result of results) if (result.status === 'rejected') failures.push(result.reason);
}
