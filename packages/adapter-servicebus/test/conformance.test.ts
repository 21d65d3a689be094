import { runConformance } from '@polyqueue/conformance';
import { afterAll, describe, it } from 'vitest';
import { fakeHarness } from './fake-harness.js';

// No Service Bus emulator can run on this machine (the official one needs Docker): the contract
// runs against the adapter over an in-process model of the service. See live.test.ts for a real
// namespace, and the README's "Known deviations" for what this does not prove.
runConformance(fakeHarness(), { describe, it, skip: it.skip, afterAll });
// The same contract on session queues (`sessions=true`): orderingKey -> sessionId, so O1/O2 run too.
runConformance(fakeHarness({ sessions: true }), { describe, it, skip: it.skip, afterAll });
