import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { relayThroughTwoRelays } from '../../../test/support/outbox-relay-scenario.js';
import { deleteEntities, RABBITMQ_URL, runPrefix } from './rabbitmq.js';

// The outbox relay to RabbitMQ, in process: a memory broker stands in for the outbox (the relay is
// broker-neutral; the PostgreSQL outbox is one URL away). Every job must arrive, none twice.
const JOBS = 3_000;
const prefix = runPrefix('relay');
let rabbit: Broker;

beforeAll(async () => {
  rabbit = await connect(`${RABBITMQ_URL}?queue_prefix=${prefix}`);
});

afterAll(async () => {
  await rabbit?.close({ timeoutMs: 5_000 });
  await deleteEntities(prefix);
});

describe('outbox relay memory -> RabbitMQ', () => {
  it(`${JOBS} jobs relayed by two relays: 0 lost, 0 duplicates, outbox empty`, async () => {
    await relayThroughTwoRelays(rabbit, JOBS);
  });
});
