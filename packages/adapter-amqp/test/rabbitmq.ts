import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib from 'amqplib';

/** The RabbitMQ the tests use: CI's, on loopback, unless AMQP_TEST_URL names another. */
export const RABBITMQ_URL = process.env.AMQP_TEST_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const HOW_TO_START = 'start it with: scripts/services.sh up rabbitmq';

/** A raw amqplib connection, or a clear error naming the broker and how to start it. */
export async function rawConnection(): Promise<amqplib.ChannelModel> {
  try {
    const connection = await amqplib.connect(RABBITMQ_URL);
    connection.on('error', () => undefined);
    return connection;
  } catch (error) {
    throw new Error(
      `RabbitMQ is not reachable at ${RABBITMQ_URL.replace(/\/\/[^@]*@/, '//')} (${String(error)}); ${HOW_TO_START}`,
      { cause: error },
    );
  }
}

/** A prefix no other run uses, so that one run's queues can be found and deleted afterwards. */
export function runPrefix(label: string): string {
  return `pqt-${label}-${randomBytes(3).toString('hex')}-`;
}

const exec = promisify(execFile);

/**
 * Deletes every queue and exchange whose name starts with `prefix` (best effort). AMQP cannot
 * list queues, so the names come from rabbitmqctl, which the tests run beside on this machine.
 */
export async function deleteEntities(prefix: string): Promise<void> {
  const list = async (what: string): Promise<string[]> => {
    try {
      const { stdout } = await exec('rabbitmqctl', ['-q', '--no-table-headers', what, 'name'], {
        timeout: 30_000,
      });
      return stdout.split('\n').filter((name) => name.startsWith(prefix));
    } catch {
      return [];
    }
  };
  const [queues, exchanges] = await Promise.all([list('list_queues'), list('list_exchanges')]);
  if (queues.length === 0 && exchanges.length === 0) return;
  const connection = await amqplib.connect(RABBITMQ_URL);
  connection.on('error', () => undefined);
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    for (const exchange of exchanges) {
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
