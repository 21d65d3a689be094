import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Job, Queue, StandardSchemaV1 } from '../src/index.js';
import { createTestBroker } from '../src/testing/index.js';

// Checked by the compiler (tsc -p tsconfig.tests.json): producers send the schema's INPUT type,
// handlers get its OUTPUT type. The run-time part shows the two really differ.
describe('schema input and output types', () => {
  const Reminder = z.object({
    at: z.coerce.date(),
    channel: z.enum(['email', 'sms']).default('email'),
  });

  it('send takes the input type: a date string, and no defaulted field', async () => {
    const t = await createTestBroker();
    const reminders = t.broker.queue('reminders', { schema: Reminder });
    expectTypeOf(reminders).toEqualTypeOf<Queue<z.output<typeof Reminder>, z.input<typeof Reminder>>>();
    expectTypeOf(reminders.send).parameter(0).toEqualTypeOf<z.input<typeof Reminder>>();
    const seen: Job<{ at: Date; channel: 'email' | 'sms' }>[] = [];
    reminders.process((job) => {
      expectTypeOf(job.payload).toEqualTypeOf<{ at: Date; channel: 'email' | 'sms' }>();
      seen.push(job);
    });
    await reminders.send({ at: '2030-01-02T03:04:05.000Z' });
    await reminders.sendBatch([{ payload: { at: 1_000, channel: 'sms' } }]);
    await t.drain();
    expect(seen.map((job) => job.payload)).toEqual([
      { at: new Date('2030-01-02T03:04:05.000Z'), channel: 'email' },
      { at: new Date(1_000), channel: 'sms' },
    ]);
    await t.close();
  });

  it('still rejects what the input type does not allow', async () => {
    const t = await createTestBroker();
    const strict = t.broker.queue('strict', { schema: z.object({ n: z.number().default(1) }) });
    expectTypeOf(strict.send).parameter(0).toEqualTypeOf<{ n?: number | undefined }>();
    // @ts-expect-error: n must be a number when given
    await expect(strict.send({ n: 'one' })).rejects.toThrow(/n/);
    await t.close();
  });

  it('keeps an explicit payload type working with a schema whose input is unknown', async () => {
    const t = await createTestBroker();
    const loose: StandardSchemaV1<unknown, { n: number }> = z.object({ n: z.number() });
    const queue = t.broker.queue<{ n: number }>('explicit', { schema: loose });
    expectTypeOf(queue).toEqualTypeOf<Queue<{ n: number }>>();
    expectTypeOf(queue.send).parameter(0).toEqualTypeOf<{ n: number }>();
    await t.close();
  });
});
