// CommonJS smoke: require() of the ESM-only packages, which Node 20.19+ allows without a flag
// (require(esm)). It would fail here if any module in the graph used top-level await.
'use strict';

const core = require('@polyqueue/core');
const scenario = require('./scenario.cjs');

async function main() {
  await scenario.sendProcessDeadLetter(core);
  const loaded = await scenario.loadEverything((specifier) => require(specifier));
  console.log(`cjs: memory:// send, process, dead-letter, peek ok; ${loaded.length} modules required`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
