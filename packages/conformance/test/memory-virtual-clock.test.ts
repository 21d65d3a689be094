import { runConformance } from '@polyqueue/conformance';
import { MemoryServer, VirtualClock } from '@polyqueue/core';
import { afterAll, describe, it } from 'vitest';
import { memoryHarness } from './memory-harness.js';

// The same contract on virtual time: a nominal second is 15 minutes, so leases last hours and
// the longest waits most of a day, and the whole run still takes a second or two. The native
// delay maximum is SQS's 15 minutes: a nominal 0.5 s delay is native, longer ones hop.
const clock = new VirtualClock();
const server = new MemoryServer({ clock, maxNativeDelayMs: 15 * 60_000 });

const harness = memoryHarness(server, {
  name: 'memory (virtual clock)',
  timeScale: 900,
  time: { now: () => clock.now(), sleep: (ms) => clock.advance(ms) },
});

runConformance(harness, { describe, it, skip: it.skip, afterAll });
