// A CommonJS TypeScript user (type-checked under nodenext only): `import x = require()` of the
// ESM-only packages, which TypeScript 5.8+ accepts under module nodenext because Node 20.19+
// runs it (require(esm)).
import core = require('@polyqueue/core');
import testing = require('@polyqueue/core/testing');

export async function firstJob(): Promise<string> {
  const broker: core.Broker = await core.connect('memory://');
  const queue = broker.queue<{ n: number }>('numbers');
  // @ts-expect-error a payload of the wrong shape is a type error
  await queue.send({ n: 'one' });
  const test: testing.TestBroker = await testing.createTestBroker();
  await test.close();
  return queue.send({ n: 1 });
}
