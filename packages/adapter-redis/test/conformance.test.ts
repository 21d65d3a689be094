import { runConformance } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { queueKeys, type RedisMessage, WORKER_GROUP } from '../src/index.js';
import { deleteKeys, REDIS_URL, rawClient, runPrefix } from './redis-server.js';

// Every key of this run lives under one prefix, deleted at the end.
const prefix = runPrefix('conf');
const url = `${REDIS_URL}?key_prefix=${prefix}`;

const raw = await rawClient(); // an unreachable server fails here, loudly
const probe = await connect(url); // redis:// resolves through core's known adapters
const { capabilities } = probe;
await probe.close();

runConformance(
  {
    name: 'redis (redis-server 7 Streams)',
    url,
    capabilities,
    invalidParameter: { name: 'command_timeout', value: '0s' },
    timeScale: 1,
    connect: (options = {}) => connect(url, options),
    nativeTypes: {
      client: Redis,
      message: {
        name: 'RedisMessage',
        is: (value: unknown): value is RedisMessage =>
          typeof value === 'object' &&
          value !== null &&
          'stream' in value &&
          'id' in value &&
          'fields' in value,
      },
    },
    backgroundFault: {
      action: 'forward',
      // The work stream replaced by a plain string: the forwarder's XADD of a due job then fails
      // (WRONGTYPE), while the delayed send itself still succeeds.
      inject: async (_broker, queue) => {
        await raw.set(queueKeys(prefix, queue).stream, 'not a stream');
      },
    },
    // A native producer: XADD with the payload in `body` and its headers as fields.
    publishNative: async (_broker, queue, message) => {
      const fields = Object.entries(message.headers).flat();
      await raw.xadd(queueKeys(prefix, queue).stream, '*', 'body', Buffer.from(message.body), ...fields);
    },
    // A native consumer reads through the queue's group, then acks and deletes, as the adapter does.
    consumeNative: async (_broker, queue) => {
      const { stream } = queueKeys(prefix, queue);
      const reply = (await raw.callBuffer('XREADGROUP', [
        'GROUP',
        WORKER_GROUP,
        'native',
        'COUNT',
        1,
        'BLOCK',
        2_000,
        'STREAMS',
        stream,
        '>',
      ])) as [Buffer, [Buffer, Buffer[]][]][] | null;
      const entry = reply?.[0]?.[1][0];
      if (entry === undefined) return undefined;
      const [id, fields] = entry;
      await raw.xack(stream, WORKER_GROUP, id);
      await raw.xdel(stream, id);
      let body = new Uint8Array(0);
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const name = fields[i]!.toString();
        if (name === 'body') body = new Uint8Array(fields[i + 1]!);
        else headers[name] = fields[i + 1]!.toString();
      }
      return { body, headers };
    },
  },
  { describe, it, skip: it.skip, afterAll },
);

afterAll(async () => {
  raw.disconnect();
  await deleteKeys(prefix);
}, 60_000);
