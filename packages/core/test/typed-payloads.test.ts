import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Job, Queue } from '../src/index.js';
import { createTestBroker } from '../src/testing/index.js';

// These assertions are checked by the compiler (`npm run typecheck` covers test files); the
// runtime part proves the same schema is enforced when the types are bypassed.
describe('typed payloads through Standard Schema', () => {
  it('infers the payload type from the schema for send and for handlers', async () => {
    const t = await createTestBroker();
    const emails = t.broker.queue('emails', { schema: z.object({ to: z.email(), retries: z.number() }) });
    expectTypeOf(emails).toEqualTypeOf<Queue<{ to: string; retries: number }>>();
    const seen: Job<{ to: string; retries: number }>[] = [];
    emails.process((job) => {
      expectTypeOf(job.payload.to).toBeString();
      seen.push(job);
    });
    await emails.send({ to: 'a@b.co', retries: 1 });
    // @ts-expect-error: a missing field is a compile error...
    const wrong = emails.send({ to: 'a@b.co' });
    // ...and, when the compiler is bypassed, a ValidationError at run time.
    await expect(wrong).rejects.toThrow(/retries/);
    await t.drain();
    expect(seen.map((job) => job.payload)).toEqual([{ to: 'a@b.co', retries: 1 }]);
    await t.close();
  });

  it('takes a named type without a schema', async () => {
    const t = await createTestBroker();
    const queue = t.broker.queue<{ n: number }>('numbers');
    expectTypeOf(queue.send).parameter(0).toEqualTypeOf<{ n: number }>();
    // @ts-expect-error: not a { n: number }
    await queue.send({ n: 'one' });
    await t.close();
  });
});
