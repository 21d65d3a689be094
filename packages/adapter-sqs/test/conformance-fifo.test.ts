import { runConformance } from '@polyqueue/conformance';
import { afterAll, describe, it } from 'vitest';
import { startEmulator } from './emulator.js';
import { capabilitiesOf, DEVIATION, sqsHarness } from './sqs-harness.js';

const emulator = await startEmulator('fifo');
afterAll(() => emulator.stop());

runConformance(
  {
    ...sqsHarness(emulator, true, capabilitiesOf(true)),
    deviations: {
      R1: DEVIATION.receiveCount,
      R2: DEVIATION.receiveCount,
      R3: DEVIATION.receiveCount,
      L4: DEVIATION.receiveCount,
      Q2: DEVIATION.receiveCount,
      O2: DEVIATION.receiveCount,
      Q4: DEVIATION.inFlightCounted,
    },
  },
  { describe, it, skip: it.skip, afterAll },
);
