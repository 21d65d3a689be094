import { ConfigError } from '@polyqueue/core';
import {
  type DeadLetterRecord,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  type QueueTopology,
} from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { AmqpDriver } from '../src/amqp-driver.js';
import { DEFAULT_OPTIONS } from '../src/amqp-options.js';
import { FakeBroker } from './fake-amqp.js';

/** Native names that never collide (rule N1), and dead-letter twins merged by redrive. */
const topology = (name: string, deadLetterName = `${name}.dlq`): QueueTopology => ({
  name,
  deadLetterName,
  leaseMs: 30_000,
  maxAttempts: 5,
});
const body = (text: string) => new TextEncoder().encode(text);

async function driverOn(broker: FakeBroker): Promise<AmqpDriver> {
  return new AmqpDriver({ ...DEFAULT_OPTIONS, connect: broker.connect, redacted: 'amqp://fake' }).open();
}

describe('native names (N1)', () => {
  it('rejects a queue named like the dead-letter queue of another, saying why', async () => {
    const driver = await driverOn(new FakeBroker());
    await expect(driver.provision(topology('orders.dlq'))).rejects.toThrow(ConfigError);
    await expect(driver.provision(topology('orders.dlq'))).rejects.toThrow(/dead-letter queue of "orders"/);
    const send = () => driver.send(topology('orders.dlq'), []);
    await expect(send()).rejects.toThrow(ConfigError);
    await driver.close('graceful');
  });

  it('rejects names of the delay cascade, as a queue or as a dead-letter queue', async () => {
    const driver = await driverOn(new FakeBroker());
    await expect(driver.provision(topology('polyqueue.delay.quorum.3'))).rejects.toThrow(/delay cascade/);
    await expect(driver.provision(topology('jobs', 'polyqueue.delay.quorum.deliver'))).rejects.toThrow(
      ConfigError,
    );
    await driver.close('graceful');
  });

  it('keeps queues whose names differ only by ".", "_" or "-" apart, dead-letter queues included', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    const names = ['n1.a', 'n1_a', 'n1-a', 'n1.a_dlq', 'n1.a-dlq'];
    for (const name of names) await driver.provision(topology(name));
    for (const name of names) {
      expect(broker.queues.has(name)).toBe(true);
      expect(broker.queues.has(`${name}.dlq`)).toBe(true);
    }
    expect(broker.queues.size).toBe(2 * names.length + 32); // and the 32 levels of the cascade
    await driver.send(topology('n1_a'), [
      { body: body('x'), attributes: {}, meta: { id: 'j', attemptOffset: 0, enqueuedAt: 1 } },
    ]);
    const holding = names.filter((name) => (broker.queues.get(name)?.messages.length ?? 0) > 0);
    expect(holding).toEqual(['n1_a']);
    await driver.close('graceful');
  });
});

describe('redrive of dead-letter twins', () => {
  const record = (failedAt: number): DeadLetterRecord => ({
    reason: 'failed',
    errorName: 'Error',
    errorMessage: 'boom',
    attempts: 5,
    sourceQueue: 'emails',
    failedAt,
  });

  /** A letter as a worker writes it; the same job id twice is what a lost ack leaves behind. */
  function letter(broker: FakeBroker, id: string, failedAt: number): void {
    const headers = encodeDeadLetterHeaders(
      record(failedAt),
      encodeMetaHeaders({ id, attemptOffset: 0, enqueuedAt: 1 }),
    );
    broker.enqueue('emails.dlq', {
      content: Buffer.from(id),
      properties: { headers, messageId: id },
      redelivered: false,
    });
  }

  const redriven = (broker: FakeBroker) =>
    broker.published.filter((p) => p.routingKey === 'emails').map((p) => String(p.options.messageId));

  it('sends a job once when its twin is in the same round, and acks both', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology('emails'));
    letter(broker, 'j', 1_000);
    letter(broker, 'j', 2_000);
    letter(broker, 'k', 3_000);
    await expect(driver.deadLetters(topology('emails')).redrive({})).resolves.toBe(2);
    expect(redriven(broker)).toEqual(['j', 'k']);
    expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(0);
    await driver.close('graceful');
  });

  it('skips a twin in a later round that was in the queue before the call, never a letter written during it', async () => {
    const broker = new FakeBroker();
    const driver = await driverOn(broker);
    await driver.provision(topology('emails'));
    letter(broker, 'j', 1_000);
    letter(broker, 'k', 1_000);
    for (let n = 0; n < 98; n++) letter(broker, `filler-${n}`, 1_000); // round 1 ends here
    letter(broker, 'j', 2_000); // an old twin: dropped
    // A letter stamped after the call began is a new failure of a redriven job: sent again.
    letter(broker, 'k', Date.now() + 60_000);
    await expect(driver.deadLetters(topology('emails')).redrive({})).resolves.toBe(101);
    const sent = redriven(broker);
    expect(sent.filter((id) => id === 'j')).toHaveLength(1);
    expect(sent.filter((id) => id === 'k')).toHaveLength(2);
    expect(broker.queues.get('emails.dlq')?.messages).toHaveLength(0);
    await driver.close('graceful');
  });
});
