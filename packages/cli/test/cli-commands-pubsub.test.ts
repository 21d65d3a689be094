import { randomBytes } from 'node:crypto';
import { deleteProject, PSTEST_HOST, requirePstest } from '../../adapter-pubsub/test/pstest.js';
import { describeCliCommands } from './cli-commands.js';

// pstest: one project per prefix, deleted at the end.
await requirePstest();
const run = randomBytes(4).toString('hex');

describeCliCommands(
  {
    name: 'Pub/Sub (pstest)',
    adapter: 'pubsub',
    url: (project) => `pubsub://${project}?emulator_host=${PSTEST_HOST}`,
    cleanup: deleteProject,
    unreachableUrl: 'pubsub://pqcli-closed?emulator_host=127.0.0.1:1',
  },
  `pqcmd-${run}`,
  `pqmove-${run}`,
);
