import { deleteEntities, RABBITMQ_URL, runPrefix } from '../../adapter-amqp/test/rabbitmq.js';
import { describeCliCommands } from './cli-commands.js';

describeCliCommands(
  {
    name: 'RabbitMQ',
    adapter: 'amqp',
    url: (prefix) => `${RABBITMQ_URL}?queue_prefix=${prefix}`,
    cleanup: deleteEntities,
    unreachableUrl: 'amqp://guest:guest@127.0.0.1:1',
  },
  runPrefix('clicmd'),
  runPrefix('climove'),
);
