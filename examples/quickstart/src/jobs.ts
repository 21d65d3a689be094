import { setTimeout as wait } from 'node:timers/promises';
import { type Broker, type Job, type JobContext, type Queue, UnrecoverableError } from '@polyqueue/core';

/**
 * The payload of one job. A plain type is all polyqueue needs; give the queue a Standard Schema
 * (zod, valibot, arktype...) instead to have payloads checked at send and again at receive.
 */
export interface Email {
  readonly to: string;
  readonly template: 'welcome' | 'reminder' | 'receipt' | 'newsletter';
}

export const EMAIL_QUEUE = 'quickstart.emails';

/**
 * The queue, defined once. A producer and a worker usually run in different processes: both
 * call this, so they agree on its settings. Nothing here depends on the broker.
 */
export function emailQueue(broker: Broker): Queue<Email> {
  return broker.queue<Email>(EMAIL_QUEUE, {
    maxAttempts: 5,
    // Waits of 250 ms, then 500 ms, 1 s... The default (1 s doubling to 5 min, with jitter) suits
    // production better; short waits keep the demo short.
    backoff: { type: 'exponential', initialMs: 250, maxMs: 10_000 },
  });
}

/**
 * The handler: plain async code, the same on every broker. Returning means success. Throwing fails
 * this attempt, and the job comes back after the backoff. Throwing UnrecoverableError sends it
 * straight to the dead-letter queue, because retrying cannot help.
 */
export async function sendEmail(job: Job<Email>, { signal }: JobContext): Promise<void> {
  const { to, template } = job.payload;
  if (!to.includes('@')) throw new UnrecoverableError(`"${to}" is not an email address`);
  await fakeMailServer.deliver(to, template, job.attempt, signal);
}

/**
 * Stands in for an SMTP server. Delivering takes a few milliseconds, and busy.example turns the
 * first two attempts away, as a busy mail server does.
 */
const fakeMailServer = {
  async deliver(to: string, _template: string, attempt: number, signal: AbortSignal): Promise<void> {
    // Pass the signal on to your I/O: it aborts if the worker must give the job up.
    await wait(10, undefined, { signal });
    if (to.endsWith('@busy.example') && attempt <= 2) {
      throw new Error('451 4.3.2 Mailbox busy, try again later');
    }
  },
};
