import assert from 'node:assert/strict';
import { type Broker, ConfigError, type Queue, UnrecoverableError } from '@polyqueue/core';
import { JobLog } from '../observe.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';
import { deadlineFor } from '../timing.js';

/**
 * Words that adapters append to a queue's name for entities of their own, each written with every
 * separator: the core's default dead-letter queue (`<q>.dlq`, which SQS spells `<q>_dlq`), SQS's
 * delay queue (`<q>_pq_delay`) and FIFO suffix (`.fifo`), Pub/Sub's `<q>.ready` and `<q>.delay`
 * topics. `<q>.dlq` itself is absent: it IS the dead-letter queue of `<q>`, by definition.
 */
const RESERVED_WORDS = ['dlq', 'delay', 'ready', 'pq.delay', 'fifo'] as const;
const SEPARATORS = ['.', '_', '-'] as const;

/** `name` with every separator replaced by `separator`. */
function spelledWith(name: string, separator: string): string {
  return name.replace(/[._-]/g, separator);
}

/** A job as N1 sends it: which queue it was sent to, and what it is for. */
interface Addressed {
  readonly to: string;
  readonly kind: 'now' | 'later' | 'dead';
}

/** A job as some worker handled it: `by` is the queue whose worker ran the handler. */
interface Handled {
  readonly by: string;
  readonly job: { readonly id: string; readonly payload: Addressed };
}

/**
 * Opens every queue of `names`. Each must work, or be refused with a `ConfigError` naming it; an
 * adapter may refuse names that would collide rather than map them apart.
 */
async function openEach(scope: TestScope, broker: Broker, names: readonly string[]) {
  const accepted = new Map<string, Queue<Addressed>>();
  for (const name of names) {
    try {
      const queue = scope.queue<Addressed>(broker, name);
      await queue.provision();
      accepted.set(name, queue);
    } catch (error) {
      assert.ok(
        error instanceof ConfigError,
        `queue "${name}" must work, or be refused with a ConfigError saying why; got ${String(error)}`,
      );
      assert.ok(error.message.includes(name), `the ConfigError must name the queue: "${error.message}"`);
    }
  }
  return accepted;
}

/**
 * The heart of N1: jobs, delayed jobs and dead letters sent to each queue of `names` stay with that
 * queue. Jobs are sent before any worker starts and interleaved across queues, so that queues
 * sharing one native queue hand each other's jobs around; dead letters are checked by peeking,
 * which a shared dead-letter queue fails whatever the timing.
 */
async function assertNeverShared(scope: TestScope, names: readonly string[]): Promise<void> {
  const { ctx } = scope;
  const broker = await scope.connect();
  const queues = await openEach(scope, broker, names);
  const maxNative = ctx.capabilities.maxNativeDelayMs;
  // Past the native maximum where there is one, so that delayed jobs take the delay path.
  const delay = Math.max(ctx.ms(500), Number.isFinite(maxNative) ? Math.ceil(maxNative * 1.5) : 0);
  const sent = new Map<string, Addressed>();
  const send = async (queue: Queue<Addressed>, kind: Addressed['kind'], options = {}) => {
    const payload = { to: queue.name, kind };
    sent.set(await queue.send(payload, options), payload);
  };
  for (const queue of queues.values()) await send(queue, 'later', { delay });
  for (let round = 0; round < 4; round++) for (const queue of queues.values()) await send(queue, 'now');
  for (const queue of queues.values()) await send(queue, 'dead');

  const handled: Handled[] = [];
  for (const queue of queues.values()) {
    const log = new JobLog<Addressed>(ctx);
    queue.process(
      (job) => {
        log.record(job);
        handled.push({ by: queue.name, job });
        if (job.payload.kind === 'dead') throw new UnrecoverableError('to the dead-letter queue');
      },
      { concurrency: 4 },
    );
  }
  const unseen = () => [...sent].filter(([id]) => !handled.some((entry) => entry.job.id === id));
  await ctx
    .waitFor('every job', () => unseen().length === 0, deadlineFor(ctx, delay) + ctx.ms(3_000))
    .catch(() => undefined);
  await ctx.quietPeriod(ctx.ms(500));
  const strays = handled
    .filter((entry) => entry.by !== entry.job.payload.to)
    .map(
      ({ by, job }) =>
        `a ${job.payload.kind} job sent to "${job.payload.to}" was handled by the worker of "${by}"`,
    );
  assert.deepEqual(strays, [], 'jobs went to another queue');
  const lost = unseen().map(([, { to, kind }]) => `a ${kind} job sent to "${to}" was never handled`);
  assert.deepEqual(lost, [], 'jobs were lost');
  assert.equal(handled.length, sent.size, 'some jobs were handled more than once');

  for (const queue of queues.values()) {
    let letters: Addressed[] = [];
    await ctx
      .waitFor(
        `the dead letter of "${queue.name}"`,
        async () => {
          letters = (await queue.deadLetters.peek()).map((letter) => letter.payload as Addressed);
          return letters.length >= 1;
        },
        ctx.ms(5_000),
      )
      .catch(() => undefined);
    assert.deepEqual(
      letters,
      [{ to: queue.name, kind: 'dead' }],
      `the dead-letter queue of "${queue.name}" must hold its own dead letter and nothing else`,
    );
  }
}

/** N1: queue names that look alike, or that end like an adapter's own entities, stay apart. */
export function nameRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const budgetMs = 40_000;

  suite.rule(
    'N1 queues whose names differ only by ".", "_" or "-" never share jobs, dead letters or delays',
    async (scope) => {
      const base = ctx.queueName('n1');
      await assertNeverShared(
        scope,
        SEPARATORS.map((separator) => spelledWith(base, separator)),
      );
    },
    { budgetMs },
  );

  suite.rule(
    'N1 a queue named like another plus a reserved suffix (_dlq, .delay, .ready, _pq_delay, .fifo, ...) never shares its jobs, dead letters or delays',
    async (scope) => {
      const base = ctx.queueName('n1-suffix');
      const suffixed = RESERVED_WORDS.flatMap((word) =>
        SEPARATORS.map((separator) => `${base}${separator}${spelledWith(word, separator)}`),
      ).filter((name) => name !== `${base}.dlq`);
      await assertNeverShared(scope, [base, ...suffixed]);
    },
    { budgetMs },
  );
}
