import { runConformance } from '@polyqueue/conformance';
import { afterAll, describe, it } from 'vitest';
import { startEmulator } from './emulator.js';
import { capabilitiesOf, emulatorDeviations, sqsHarness } from './sqs-harness.js';

const emulator = await startEmulator('fifo');
afterAll(() => emulator.stop());

runConformance(
  {
    ...sqsHarness(emulator, true, capabilitiesOf(true)),
    deviations: emulatorDeviations(true, emulator.behaviour),
  },
  { describe, it, skip: it.skip, afterAll },
);
