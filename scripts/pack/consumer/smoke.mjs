// ESM smoke: the way most users load polyqueue.
import * as core from '@polyqueue/core';
import scenario from './scenario.cjs';

await scenario.sendProcessDeadLetter(core);
const loaded = await scenario.loadEverything((specifier) => import(specifier));
console.log(`esm: memory:// send, process, dead-letter, peek ok; ${loaded.length} modules imported`);
