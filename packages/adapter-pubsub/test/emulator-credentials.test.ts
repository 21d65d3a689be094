import { randomBytes } from 'node:crypto';
import { connect } from '@polyqueue/core';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteProject, PSTEST_HOST, requirePstest } from './pstest.js';

// pstest.ts turns the SDK's metadata-server probe off for its own plain clients; this file checks
// that the adapter needs no such help, so the probe is left as a user's process would have it.
delete process.env.METADATA_SERVER_DETECTION;
delete process.env.PUBSUB_EMULATOR_HOST;

await requirePstest();

const project = `pqe-${randomBytes(4).toString('hex')}`;

afterAll(() => deleteProject(project), 60_000);

describe('pubsub:// with emulator_host', () => {
  it('sends, processes and peeks without looking for Google credentials (no MetadataLookupWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const broker = await connect(`pubsub://${project}?emulator_host=${PSTEST_HOST}&min_lease_ms=1000`);
      const queue = broker.queue('greetings', { leaseMs: 2_000 });
      const done = new Promise<string>((resolve) => {
        queue.process(async (job) => resolve(String((job.payload as { to: string }).to)));
      });
      await queue.send({ to: 'ada' });
      await expect(done).resolves.toBe('ada');
      await queue.deadLetters.peek(1);
      await broker.close();
      // process.emitWarning emits on a later tick: let any pending one arrive.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.startsWith('MetadataLookupWarning'))).toEqual([]);
  });
});
