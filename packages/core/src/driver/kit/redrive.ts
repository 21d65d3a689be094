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
 * The one redrive loop. Moves at most `limit` jobs (default: all); each job id at most once per
 * call. With `select`, only the letters it accepts move: the others are held aside until the call
 * ends, so that `take` goes on past them, and are handed back then (a source whose `take` gives
 * back what an earlier take held must not be given a `select`). A job can sit in the dead-letter queue twice (a worker died between writing its dead
 * letter and settling the original): a later copy of a job moved in this call is removed, not
 * counted, but only once the first copy's publish is confirmed, and handed back otherwise.
 *
 * Publish, confirmed, then remove: never a loss, at worst a duplicate. A failed publish hands its
 * letters back, and the call rejects with the first error once the batch's bookkeeping is done,
 * so nothing stays held. Resolves with how many jobs moved.
 */
export async function redrive<L>(
  source: RedriveSource<L>,
  options: { limit?: number; batchSize: number; select?: (letter: L) => boolean },
): Promise<number> {
  const aside: L[] = [];
  try {
    return await redriveLoop(source, options, aside);
  } finally {
    await handBack(source, aside);
  }
}

async function redriveLoop<L>(
  source: RedriveSource<L>,
  options: { limit?: number; batchSize: number; select?: (letter: L) => boolean },
  aside: L[],
): Promise<number> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const batchSize = Math.max(1, options.batchSize);
  const moved = new Set<string>();
  let count = 0;
  while (count < limit) {
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
function pick<L>(letters: readonly L[], select: (letter: L) => boolean, aside: L[]): L[] {
  const picked: L[] = [];
  for (const letter of letters) (select(letter) ? picked : aside).push(letter);
  return picked;
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
