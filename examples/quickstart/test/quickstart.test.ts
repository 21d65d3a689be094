import { expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

// The demo is the first code users see: this keeps it working, not just compiling.
it('quickstart: normal, delayed, flaky and dead-lettered jobs end as the demo says', async () => {
  const lines: string[] = [];
  const { broker, outcomes, deadLetters } = await runDemo({
    url: 'memory://user:secret@quickstart-test',
    log: (line) => lines.push(line),
  });

  expect(broker).toBe('Broker(memory://user:***@quickstart-test)');
  expect(lines.join('\n')).not.toContain('secret');

  expect(outcomes.welcome).toMatchObject({ result: 'completed', attempt: 1 });

  expect(outcomes.reminder).toMatchObject({ result: 'completed', attempt: 1 });
  expect(outcomes.reminder.afterMs).toBeGreaterThanOrEqual(1_500);
  expect(outcomes.reminder.afterMs).toBeLessThan(1_500 + 1_000);

  // Backoff of 250 ms, then 500 ms: the third attempt comes no earlier than 750 ms after the send.
  expect(outcomes.receipt).toMatchObject({ result: 'completed', attempt: 3 });
  expect(outcomes.receipt.afterMs).toBeGreaterThanOrEqual(750);

  expect(outcomes.newsletter).toMatchObject({ result: 'dead-lettered', attempt: 1 });
  expect(deadLetters).toHaveLength(1);
  const [letter] = deadLetters;
  expect(letter!.id).toBe(outcomes.newsletter.id);
  expect(letter!.payload).toEqual({ to: 'not-an-address', template: 'newsletter' });
  expect(letter!.record).toMatchObject({
    reason: 'unrecoverable',
    errorName: 'UnrecoverableError',
    errorMessage: '"not-an-address" is not an email address',
    attempts: 1,
    sourceQueue: 'quickstart.emails',
  });
  expect(letter!.record!.errorStack).toContain('sendEmail');
  expect(letter!.record!.failedAt).toBeGreaterThan(Date.now() - 10_000);
});
