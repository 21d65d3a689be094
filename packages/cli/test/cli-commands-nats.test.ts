import { deleteStreams, NATS_URL, runPrefix } from '../../adapter-nats/test/nats-server.js';
import { describeCliCommands } from './cli-commands.js';

describeCliCommands(
  {
    name: 'NATS',
    adapter: 'nats',
    url: (prefix) => `${NATS_URL}?stream_prefix=${prefix}`,
    cleanup: deleteStreams,
    unreachableUrl: 'nats://127.0.0.1:1',
  },
  runPrefix('clicmd'),
  runPrefix('climove'),
);
