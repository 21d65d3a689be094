import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@polyqueue/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findBrokerBinary } from '../../../test/support/broker-binary.js';
import { freePort } from '../../../test/support/free-port.js';
import { type ServerProcess, startServerProcess } from '../../../test/support/server-process.js';
import { type TempDir, tempDir } from '../../../test/support/temp-dir.js';
import { queueKeys } from '../src/index.js';
import { PrivateRedisServer } from './private-redis-server.js';
import { rawClient } from './redis-server.js';

// The README's Sentinel URL on a private master and a private Sentinel (free ports, temp dirs,
// killed by PID): the URL names the Sentinel, which tells the client where the master is.
let master: PrivateRedisServer;
let sentinel: ServerProcess;
let sentinelDir: TempDir;
let sentinelPort: number;

beforeAll(async () => {
  master = await PrivateRedisServer.start();
  const binary = findBrokerBinary('redis-server', { aptPackage: 'redis-server' });
  if (!binary.path) throw new Error(binary.missing);
  sentinelDir = tempDir('pq-sentinel');
  sentinelPort = await freePort();
  const config = join(sentinelDir.path, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${sentinelDir.path}`,
      `sentinel monitor pqmaster 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds pqmaster 5000',
      '',
    ].join('\n'),
  );
  sentinel = await startServerProcess({
    name: 'redis-sentinel',
    command: binary.path,
    args: [config, '--sentinel'],
    dir: sentinelDir.path,
    port: sentinelPort,
    readyTimeoutMs: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await sentinel?.kill();
  sentinelDir?.remove();
  await master?.stop();
});

it('redis://<sentinel>?sentinel_name=<master> reaches the master the Sentinel names', async () => {
  const broker = await connect(`redis://127.0.0.1:${sentinelPort}?sentinel_name=pqmaster`);
  try {
    const queue = broker.queue<{ n: number }>('via-sentinel');
    const seen: number[] = [];
    queue.process((job) => {
      seen.push(job.payload.n);
    });
    await queue.sendBatch([1, 2, 3].map((n) => ({ payload: { n } })));
    const deadline = Date.now() + 10_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.sort()).toEqual([1, 2, 3]);
  } finally {
    await broker.close({ timeoutMs: 5_000 });
  }
  // The queue lives on the master itself (provisioned there through the Sentinel's answer).
  const direct = await rawClient(master.port);
  try {
    expect(await direct.exists(queueKeys('pq', 'via-sentinel').stream)).toBe(1);
  } finally {
    direct.disconnect();
  }
}, 30_000);
