// A TypeScript user's first file, type-checked (never run) under moduleResolution nodenext and
// bundler. The @ts-expect-error lines prove the types were really found: were a package typed
// `any`, the expected error would be missing and tsc would fail on the unused directive.

import { adapter as amqp } from '@polyqueue/adapter-amqp';
import { adapter as nats } from '@polyqueue/adapter-nats';
import { adapter as pubsub } from '@polyqueue/adapter-pubsub';
import { adapter as servicebus } from '@polyqueue/adapter-servicebus';
import { adapter as sqs } from '@polyqueue/adapter-sqs';
import { runConformance } from '@polyqueue/conformance';
import { type Broker, connect, type DeadLetter, type Job, UnrecoverableError } from '@polyqueue/core';
import type { AdapterModule } from '@polyqueue/core/driver';
import { createTestBroker } from '@polyqueue/core/testing';

interface Email {
  to: string;
}

export const adapters: AdapterModule[] = [amqp, nats, pubsub, servicebus, sqs];
export const suite: typeof runConformance = runConformance;

export async function firstJob(): Promise<DeadLetter<Email>[]> {
  const broker: Broker = await connect('memory://');
  const emails = broker.queue<Email>('emails', { maxAttempts: 1 });
  emails.process(async (job: Job<Email>) => {
    const to: string = job.payload.to;
    if (!to.includes('@')) throw new UnrecoverableError('not an address');
  });
  const id: string = await emails.send({ to: 'ada@example.com' });
  // @ts-expect-error a payload of the wrong shape is a type error
  await emails.send({ to: 42 });
  void id;
  return emails.deadLetters.peek(10);
}

export async function inTests(): Promise<void> {
  const test = await createTestBroker();
  // @ts-expect-error createTestBroker is typed: there is no such method
  test.noSuchMethod();
  await test.close();
}
