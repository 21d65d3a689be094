import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { IoredisClient } from '../src/ioredis-client.js';

it('reports the first connection error of each outage, not one per reconnect attempt', async () => {
  const native = new Redis({ lazyConnect: true }); // never connects: the events are emitted by hand
  const client = new IoredisClient(native, { owned: false });
  const reported: unknown[] = [];
  client.onError((error) => reported.push(error));
  const refused = new Error('connect ECONNREFUSED');
  native.emit('error', refused);
  native.emit('error', new Error('connect ECONNREFUSED, again'));
  expect(reported).toEqual([refused]);
  native.emit('ready');
  const wrongPass = new Error('WRONGPASS');
  native.emit('error', wrongPass);
  expect(reported).toEqual([refused, wrongPass]);
  await client.close('graceful');
  expect(native.listenerCount('error'), "close leaves the application's client as it was").toBe(0);
  native.disconnect();
});
