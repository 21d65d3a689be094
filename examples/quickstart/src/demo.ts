import { connect, type DeadLetter, type Job, type SendOptions, type Worker } from '@polyqueue/core';
import { EMAIL_QUEUE, type Email, emailQueue, sendEmail } from './jobs.js';
import { type Log, Progress } from './progress.js';

export interface DemoOptions {
  /** The broker: `memory://`, `amqp://guest:guest@127.0.0.1:5672`... */
  readonly url: string;
  /** Where progress lines go. Default: console.log. */
  readonly log?: Log;
  /** Give up waiting for the jobs after this long. Default 10 s. */
  readonly timeoutMs?: number;
}

/** How one job ended. */
export interface Outcome {
  readonly id: string;
  readonly result: 'completed' | 'dead-lettered';
  /** The attempt it ended on. */
  readonly attempt: number;
  /** From send to the end, in ms. */
  readonly afterMs: number;
}

/** How each of the four jobs ended, by template. */
export type Outcomes = Readonly<Record<Email['template'], Outcome>>;

export interface DemoResult {
  /** The broker as it prints: its URL, with any credentials masked. */
  readonly broker: string;
  readonly outcomes: Outcomes;
  /** The demo's own dead letters, peeked (left in the dead-letter queue). */
  readonly deadLetters: readonly DeadLetter<Email>[];
}

/** The four jobs, and what each one shows. */
const JOBS: readonly (readonly [Email, SendOptions?])[] = [
  // A normal job: handled as soon as a worker is free.
  [{ to: 'ada@example.com', template: 'welcome' }],
  // A delayed job: never delivered before its delay. Any length works, on every broker.
  [{ to: 'grace@example.com', template: 'reminder' }, { delay: 1_500 }],
  // A flaky one: the mail server turns it away twice; the third attempt gets through.
  [{ to: 'linus@busy.example', template: 'receipt' }],
  // A hopeless one: no retry can fix a bad address, so it goes to the dead-letter queue.
  [{ to: 'not-an-address', template: 'newsletter' }],
];

/**
 * Sends the four jobs, runs a worker until each has completed or been dead-lettered, peeks at
 * the dead-letter queue, and closes gracefully.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const progress = new Progress(options.log ?? console.log);
  const broker = await connect(options.url);
  try {
    progress.say(`polyqueue quickstart on ${broker}`);
    const emails = emailQueue(broker);

    progress.say('\nProducer');
    const ids: string[] = [];
    for (const [email, sendOptions] of JOBS) {
      ids.push(await emails.send(email, sendOptions));
      progress.sent(email, sendOptions);
    }

    progress.say('\nWorker');
    const worker = emails.process(sendEmail, { concurrency: 4 });
    progress.watch(worker);
    const outcomes = await outcomesOf(worker, ids, options.timeoutMs ?? 10_000);
    const completed = Object.values(outcomes).filter((outcome) => outcome.result === 'completed');
    progress.say(`  All ${ids.length} jobs ended: ${completed.length} completed, the rest dead-lettered.`);

    progress.say(`\nDead letters of ${EMAIL_QUEUE}, peeked without removing them`);
    const ours = (await emails.deadLetters.peek()).filter((letter) => ids.includes(letter.id));
    for (const letter of ours) progress.deadLetter(letter);

    return { broker: String(broker), outcomes, deadLetters: ours };
  } finally {
    // Graceful: stop taking jobs, let running handlers finish, hand back what was prefetched.
    const closing = Date.now();
    await broker.close({ timeoutMs: 5_000 });
    progress.say(`\nClosed gracefully in ${Date.now() - closing} ms.`);
  }
}

/** Waits until every job in `ids` has completed or been dead-lettered, and says how each ended. */
function outcomesOf(worker: Worker<Email>, ids: string[], timeoutMs: number): Promise<Outcomes> {
  const outcomes: Partial<Record<Email['template'], Outcome>> = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const waiting = JOBS.map(([email]) => email.template).filter((template) => !outcomes[template]);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for: ${waiting.join(', ')}`));
    }, timeoutMs);
    const end = (job: Job<Email>, result: Outcome['result'], attempt: number, at: number) => {
      if (!ids.includes(job.id)) return; // left over from an earlier run on a real broker
      const afterMs = at - job.enqueuedAt.getTime();
      outcomes[job.payload.template] = { id: job.id, result, attempt, afterMs };
      if (Object.keys(outcomes).length < ids.length) return;
      clearTimeout(timer);
      resolve(outcomes as Outcomes);
    };
    worker.on('completed', (job) => end(job, 'completed', job.attempt, Date.now()));
    worker.on('dead-lettered', (job, record) => {
      if (job) end(job, 'dead-lettered', record.attempts, record.failedAt);
    });
  });
}
