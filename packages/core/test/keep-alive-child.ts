// A process whose only work is one worker on an empty queue, and a timer that does not hold the
// process open: the worker must, until it is closed (keep-alive.test.ts).
import { connect, MemoryServer } from '../src/index.js';

const broker = await connect({ driver: new MemoryServer().connect() });
const worker = broker.queue('idle').process(async () => {});
setTimeout(() => {
  console.log('alive');
  void worker.close().then(() => broker.close());
}, 300).unref();
