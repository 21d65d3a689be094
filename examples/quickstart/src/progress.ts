import type { DeadLetter, Job, SendOptions, Worker } from '@polyqueue/core';
import type { Email } from './jobs.js';

/** Where output goes: console.log in the demo, an array in the test. */
export type Log = (line: string) => void;

/** Prints what happens, each event stamped with the time since the demo started. */
export class Progress {
  readonly #log: Log;
  readonly #start = Date.now();

  constructor(log: Log) {
    this.#log = log;
  }

  /** A line without a timestamp: a heading or a detail. */
  say(text = ''): void {
    this.#log(text);
  }

  sent(email: Email, options: SendOptions | undefined): void {
    const due = options?.delay ? `, due in ${duration(options.delay)}` : '';
    this.#event('→', 'sent', email.template, `to ${email.to}${due}`);
  }

  /** Prints every worker event: what a real application sends to its logs and metrics. */
  watch(worker: Worker<Email>): void {
    worker
      .on('completed', (job) => {
        const waited = duration(Date.now() - job.enqueuedAt.getTime());
        this.#event('✓', 'completed', name(job), `${attemptOf(job)}, ${waited} after it was sent`);
      })
      .on('failed', (job, error) => {
        this.#event('✗', 'failed', name(job), `${attemptOf(job)}: ${error.name}: ${error.message}`);
      })
      .on('retrying', (job, _error, { delayMs, nextAttempt }) => {
        this.#event('↻', 'retrying', name(job), `attempt ${nextAttempt} in ${delayMs} ms`);
      })
      .on('dead-lettered', (job, record) => {
        const detail = `after ${plural(record.attempts, 'attempt')}, reason "${record.reason}"`;
        this.#event('☠', 'dead-lettered', job ? name(job) : '?', detail);
      })
      .on('error', (error) => {
        this.#event('!', 'worker error', '', error.message);
      });
  }

  /** Prints a dead letter and the error metadata it carries. */
  deadLetter(letter: DeadLetter<Email>): void {
    const record = letter.record;
    this.say(`  ${letter.payload?.template ?? '(undecodable)'}  id ${letter.id}`);
    this.say(`    payload    ${JSON.stringify(letter.payload)}`);
    if (record === undefined) {
      this.say('    (no polyqueue metadata: the broker moved it there itself)');
      return;
    }
    this.say(`    reason     ${record.reason}`);
    this.say(`    error      ${record.errorName}: ${record.errorMessage}`);
    this.say(`    stack      ${firstFrame(record.errorStack)}`);
    this.say(`    attempts   ${record.attempts}`);
    this.say(`    source     ${record.sourceQueue}`);
    this.say(`    failed at  ${new Date(record.failedAt).toISOString()}`);
  }

  #event(icon: string, verb: string, job: string, detail: string): void {
    const stamp = `+${((Date.now() - this.#start) / 1000).toFixed(3)}s`.padStart(8);
    this.#log(`  ${stamp}  ${icon} ${verb.padEnd(13)} ${job.padEnd(11)} ${detail}`.trimEnd());
  }
}

function name(job: Job<Email>): string {
  return job.payload.template;
}

function attemptOf(job: Job<Email>): string {
  return `attempt ${job.attempt}/${job.maxAttempts}`;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The first "at ..." line of a stack: where the error was thrown. */
function firstFrame(stack: string | undefined): string {
  const frame = stack?.split('\n').find((line) => line.trim().startsWith('at '));
  return frame?.trim() ?? '(none)';
}
