/** Test helpers for applications that use polyqueue: `import { createTestBroker } from '@polyqueue/core/testing'`. */
export { VirtualClock } from '../clock/virtual-clock.js';
export { resetMemoryServers } from '../memory/memory-adapter.js';
export { MemoryServer, type RawMessage } from '../memory/memory-server.js';
export { simulateCrash } from './simulate-crash.js';
export {
  createTestBroker,
  type DeadJob,
  type SentJob,
  TestBroker,
  type TestBrokerOptions,
} from './test-broker.js';
