import { runConformance } from '@polyqueue/conformance';
import { afterAll, describe, it } from 'vitest';
import { startEmulator } from './emulator.js';
import { capabilitiesOf, emulatorDeviations, sqsHarness } from './sqs-harness.js';

const emulator = await startEmulator('std');
afterAll(() => emulator.stop());

runConformance(
  {
    ...sqsHarness(emulator, false, capabilitiesOf(false)),
    deviations: emulatorDeviations(false, emulator.behaviour),
  },
  { describe, it, skip: it.skip, afterAll },
);
