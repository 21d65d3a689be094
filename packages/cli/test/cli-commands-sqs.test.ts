import { afterAll } from 'vitest';
import { startEmulator } from '../../adapter-sqs/test/emulator.js';
import { describeCliCommands } from './cli-commands.js';

// The SQS emulator (local-aws-sqs) runs in this process, private to this file; stopping it deletes
// every queue, so cleanup per prefix has nothing left to do. Short polling (wait_time_seconds=0):
// the emulator's long poll returns only once MaxNumberOfMessages are there or the 20 s wait is
// over (BROKERS.md, local-aws-sqs deviation 5), so a worker waiting for one job would sit out the
// whole wait; real SQS answers as soon as one is there.
const emulator = await startEmulator('clicmd');
afterAll(() => emulator.stop());

describeCliCommands(
  {
    name: 'SQS (local-aws-sqs)',
    adapter: 'sqs',
    url: (prefix) =>
      `sqs://?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}&queue_prefix=${prefix}&wait_time_seconds=0`,
    cleanup: async () => {},
    unreachableUrl: 'sqs://?region=us-east-1&endpoint=http%3A%2F%2F127.0.0.1%3A1',
  },
  `${emulator.prefix}a`,
  `${emulator.prefix}b`,
);
