import { runConformance } from '@polyqueue/conformance';
import { afterAll, describe, it } from 'vitest';
import { amqpHarness } from './amqp-harness.js';
import { deleteEntities, rawConnection, runPrefix } from './rabbitmq.js';

const prefix = runPrefix('classic');
const raw = await rawConnection(); // an unreachable broker fails here, loudly

runConformance(await amqpHarness(raw, prefix, 'classic'), { describe, it, skip: it.skip, afterAll });

afterAll(async () => {
  await raw.close().catch(() => undefined);
  await deleteEntities(prefix);
}, 120_000);
