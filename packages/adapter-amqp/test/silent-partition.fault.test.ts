import { type Broker, connect, ErrorCode, isRetryable, PolyqueueError } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PrivateRabbitMQ, startPrivateRabbitMQ } from '../../../test/support/private-rabbitmq.js';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy.js';
import { within } from '../../../test/support/within.js';
import { runPrefix } from './rabbitmq.js';

/**
 * A send on a silent partition (issue 11 §6.2): the proxy in front of a private RabbitMQ node
 * stops forwarding in both directions without closing anything, so neither side sees an error
 * and only the heartbeat would notice, after two or three intervals. The publisher-confirm wait
 * has its own bound, `publish_timeout_ms`: the send rejects once it has passed, with a retryable
 * DeadlineExceeded, and the broker works again once the partition heals.
 *
 * The heartbeat is set to 60 s, so a rejection within SEND_BOUND_MS can only come from the
 * publish timeout (heartbeat detection takes at least 120 s).
 */
// Declarations wait under the same bound: a quorum queue declaration on a loaded machine can take
// over a second, so the bound is small only next to the heartbeat.
const PUBLISH_TIMEOUT_MS = 3_000;
const SEND_BOUND_MS = 30_000;

const prefix = runPrefix('partition');
let rabbit: PrivateRabbitMQ;
let proxy: TcpProxy;
let broker: Broker | undefined;

beforeAll(async () => {
  rabbit = await startPrivateRabbitMQ();
  proxy = await startTcpProxy({ targetPort: rabbit.port });
}, 120_000);

afterAll(async () => {
  if (proxy) proxy.mode = 'pass';
  await within(broker?.close({ timeoutMs: 5_000 }) ?? Promise.resolve(), 15_000, 'close()').catch(
    (error: unknown) => console.error(error),
  );
  await proxy?.close();
  await rabbit?.dispose();
}, 60_000);

it('a send on a silent partition rejects with a retryable DeadlineExceeded after publish_timeout_ms', async () => {
  broker = await connect(
    `amqp://guest:guest@127.0.0.1:${proxy.port}?queue_prefix=${prefix}` +
      `&publish_timeout_ms=${PUBLISH_TIMEOUT_MS}&connect_timeout_ms=2000&heartbeat=60`,
  );
  const queue = broker.queue<{ n: number }>('partitioned');
  await queue.provision();
  await within(queue.send({ n: 0 }), SEND_BOUND_MS, 'a send before the partition');

  proxy.mode = 'partition';
  const began = Date.now();
  const outcome = await within(
    queue.send({ n: 1 }).then(
      (id) => ({ sent: id }),
      (error: unknown) => ({ error }),
    ),
    SEND_BOUND_MS,
    'a send during a silent partition',
  );
  const elapsed = Date.now() - began;
  expect(outcome, 'the send resolved although nothing reached RabbitMQ').toHaveProperty('error');
  const { error } = outcome as { error: unknown };
  expect(error, String(error)).toBeInstanceOf(PolyqueueError);
  expect((error as PolyqueueError).code, String(error)).toBe(ErrorCode.DeadlineExceeded);
  expect(isRetryable(error)).toBe(true);

  // The partition heals: the broker works again, within the same bound, with nothing restarted.
  proxy.mode = 'pass';
  await within(queue.send({ n: 2 }), SEND_BOUND_MS, 'a send after the partition healed');
  console.log(
    `amqp silent partition: send rejected after ${elapsed} ms (publish_timeout_ms=${PUBLISH_TIMEOUT_MS}) ` +
      `with ${(error as Error).name} ${(error as PolyqueueError).code}: ${(error as Error).message}`,
  );
}, 120_000);
