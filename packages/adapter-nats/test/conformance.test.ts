import { type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import { runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { FORWARDER_CONSUMER, queueNames, WORKER_CONSUMER } from '../src/index.js';
import { deleteStreams, NATS_URL, rawConnection, runPrefix } from './nats-server.js';

// Every stream of this run lives under one prefix, deleted at the end.
const prefix = runPrefix('conf');
const url = `${NATS_URL}?stream_prefix=${prefix}`;

const raw = await rawConnection(); // an unreachable server fails here, loudly
const js = jetstream(raw);
const jsm = await jetstreamManager(raw);

/** The SDK's types are interfaces: recognised by the members the README documents. */
const hasMethods = (value: unknown, names: readonly string[]) =>
  typeof value === 'object' &&
  value !== null &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
const probe = await connect(url);
const { capabilities } = probe;
await probe.close();

runConformance(
  {
    name: 'nats (nats-server JetStream)',
    url,
    capabilities,
    invalidParameter: { name: 'api_timeout_ms', value: '0' },
    // The server's own limit, so the size-limit rules test the real edge: a native body exactly
    // at max_payload, whose dead-letter copy then cannot carry its record in the same message.
    maxNativeBodyBytes: raw.info!.max_payload,
    timeScale: 1,
    // E1: the delay forwarder's pulls fail once its durable consumer is deleted under it.
    backgroundFault: {
      action: 'forward-pull',
      inject: async (_broker, queue) => {
        await jsm.consumers.delete(queueNames(prefix, queue).delayStream, FORWARDER_CONSUMER);
      },
    },
    // X1: README "Native access".
    nativeTypes: {
      client: {
        name: 'NatsConnection',
        is: (value): value is NatsConnection =>
          hasMethods(value, ['publish', 'subscribe', 'request', 'drain', 'status', 'closed']),
      },
      message: {
        name: 'JsMsg',
        is: (value): value is JsMsg =>
          hasMethods(value, ['ack', 'nak', 'working', 'term']) && typeof (value as JsMsg).seq === 'number',
      },
    },
    connect: (options = {}) => connect(url, options),
    publishNative: async (_broker, queue, message) => {
      const hdrs = natsHeaders();
      for (const [name, value] of Object.entries(message.headers)) hdrs.set(name, value);
      await js.publish(queueNames(prefix, queue).subject, message.body, { headers: hdrs });
    },
    // A native consumer of a WorkQueue stream binds to the queue's durable consumer.
    consumeNative: async (_broker, queue) => {
      const consumer = await js.consumers.get(queueNames(prefix, queue).stream, WORKER_CONSUMER);
      const message = await consumer.next({ expires: 2_000 });
      if (!message) return undefined;
      message.ack();
      const headers: Record<string, string> = {};
      for (const name of message.headers?.keys() ?? []) headers[name] = message.headers!.get(name);
      return { body: message.data, headers };
    },
  },
  { describe, it, skip: it.skip, afterAll },
);

afterAll(async () => {
  await raw.close().catch(() => undefined);
  await deleteStreams(prefix);
}, 60_000);
