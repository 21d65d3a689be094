// What both smokes run, written once: the ESM smoke hands it what `import` loaded, the CommonJS
// smoke what `require` loaded. CommonJS itself so that both can load it without a build step.
'use strict';

const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const STEP_TIMEOUT_MS = 10_000;

/** Rejects if `promise` has not settled within STEP_TIMEOUT_MS: a smoke never hangs. */
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${STEP_TIMEOUT_MS} ms`)),
      STEP_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Connects `memory://`, sends two jobs, processes them (one succeeds, one fails for good), and
 * reads the failed one back from the dead letters.
 */
async function sendProcessDeadLetter(core) {
  const broker = await core.connect('memory://');
  try {
    const queue = broker.queue('pack-smoke', { maxAttempts: 1 });
    const outcomes = [];
    const settled = new Promise((resolve, reject) => {
      const worker = queue.process(async (job) => {
        if (job.payload.fail) throw new core.UnrecoverableError('fails on purpose');
      });
      const note = (outcome) => {
        outcomes.push(outcome);
        if (outcomes.length === 2) resolve(worker);
      };
      worker.on('completed', (job) => note(`completed ${job.id}`));
      worker.on('dead-lettered', (job, record) => note(`dead-lettered ${job?.id} (${record.reason})`));
      worker.on('error', reject);
    });
    const okId = await bounded(queue.send({ fail: false }), 'send');
    const failId = await bounded(queue.send({ fail: true }), 'send');
    const worker = await bounded(settled, 'process');
    assert.deepEqual(
      outcomes.sort(),
      [`completed ${okId}`, `dead-lettered ${failId} (unrecoverable)`].sort(),
    );

    const letters = await bounded(queue.deadLetters.peek(10), 'peek dead letters');
    assert.equal(letters.length, 1, 'one dead letter');
    assert.deepEqual(letters[0].payload, { fail: true });
    assert.equal(letters[0].record?.reason, 'unrecoverable');
    assert.equal(letters[0].record?.errorMessage, 'fails on purpose');
    await bounded(worker.close(), 'close the worker');
  } finally {
    await bounded(broker.close(), 'close the broker');
  }
}

/**
 * Loads every entry point of every package, and each peer its README names, with `load`
 * (import or require). An adapter's main entry must export the `adapter` that `connect()` looks
 * up by URL scheme.
 */
async function loadEverything(load) {
  const packages = JSON.parse(readFileSync(join(__dirname, 'packages.json'), 'utf8'));
  const loaded = [];
  for (const { name, entries, peers } of packages) {
    for (const specifier of [...entries, ...peers]) {
      const module = await load(specifier);
      assert.ok(Object.keys(module).length > 0, `${specifier} exports nothing`);
      loaded.push(specifier);
    }
    if (name.startsWith('@polyqueue/adapter-')) {
      const { adapter } = await load(name);
      assert.ok(Array.isArray(adapter?.schemes), `${name} exports no adapter with schemes`);
      assert.equal(typeof adapter.createDriver, 'function', `${name}: adapter.createDriver`);
    }
  }
  return loaded;
}

module.exports = { sendProcessDeadLetter, loadEverything };
