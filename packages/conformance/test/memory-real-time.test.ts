import { runConformance } from '@polyqueue/conformance';
import { MemoryServer } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { memoryHarness } from './memory-harness.js';

// The native delay maximum is shrunk to 500 ms so that D2 exercises the delay path in real time.
// Leases of 250-500 ms, backoffs of 25-100 ms: well above the 100 ms tolerance's noise floor.
const server = new MemoryServer({ maxNativeDelayMs: 500 });

runConformance(memoryHarness(server, { name: 'memory (real time)', timeScale: 0.25 }), {
  describe,
  it,
  skip: it.skip,
  afterAll,
});
