import { type Message, type ReceiveMessageRequest, SQSClient } from '@aws-sdk/client-sqs';
import type { BackgroundFault, ConformanceHarness, NativeTypes } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { createSqsDriver, nativeDelayQueueName } from '../src/index.js';
import type { Emulator, EmulatorBehaviour } from './emulator.js';

/** Deviations of local-aws-sqs from SQS (README "Known deviations", numbered as there). */
export const DEVIATION = {
  receiveCount:
    '1 (local-aws-sqs): ChangeMessageVisibility bumps ApproximateReceiveCount, so a retry by visibility skips an attempt',
  fifoGroupNotHeld:
    '2 (local-aws-sqs): FIFO hands out the next message of a group while an earlier one waits out its retry backoff, so it overtakes it',
  inFlightCounted:
    '3 (local-aws-sqs): ApproximateNumberOfMessages counts in-flight messages as well, so "ready" includes them',
} as const;

/**
 * The rules the emulator's measured deviations make fail, by rule ID; a deviation it does not
 * show skips nothing. O2 (FIFO only: standard queues declare no ordering) needs SQS to hold the
 * blocked key's group while its head waits out a backoff, and retries by visibility.
 */
export function emulatorDeviations(fifo: boolean, behaviour: EmulatorBehaviour): Record<string, string> {
  const deviations: Record<string, string> = {};
  if (behaviour.visibilityChangeCountsReceive) {
    for (const rule of ['R1', 'R2', 'R3', 'L4', 'Q2']) deviations[rule] = DEVIATION.receiveCount;
  }
  if (fifo) {
    const o2 = [
      ...(behaviour.holdsFifoGroups ? [] : [DEVIATION.fifoGroupNotHeld]),
      ...(behaviour.visibilityChangeCountsReceive ? [DEVIATION.receiveCount] : []),
    ];
    if (o2.length > 0) deviations.O2 = o2.join('; and ');
  }
  if (behaviour.inFlightCountedAsReady) deviations.Q4 = DEVIATION.inFlightCounted;
  return deviations;
}

/**
 * The SQS harness. Short polling (`wait_time_seconds=0`): the emulator answers a long poll only
 * when it has MaxNumberOfMessages or the wait is over (deviation 4 in the README). The native
 * delay maximum is shrunk to 1 s so that D2 goes through the delay queue in seconds.
 */
export function sqsHarness(
  emulator: Emulator,
  fifo: boolean,
  capabilities: ConformanceHarness['capabilities'],
) {
  const options = {
    client: emulator.client,
    queuePrefix: emulator.prefix,
    fifo,
    waitTimeSeconds: 0,
    maxNativeDelaySeconds: 1,
  };
  const url = `sqs://?region=us-east-1&endpoint=${encodeURIComponent(emulator.endpoint)}&queue_prefix=${emulator.prefix}&wait_time_seconds=0${fifo ? '&fifo=true' : ''}`;
  return {
    name: `sqs ${fifo ? 'FIFO' : 'standard'} (local-aws-sqs)`,
    url,
    capabilities,
    timeScale: 1,
    invalidParameter: { name: 'wait_time_seconds', value: '21' },
    // SQS message bodies are Unicode text: no producer can send invalid UTF-8 there.
    nativeBodies: 'text',
    connect: (connectOptions: { provision?: boolean } = {}) =>
      connect({ driver: createSqsDriver(options), ...connectOptions }),
    publishNative: (_broker, queue, message) => emulator.publishNative(queue, message, fifo),
    consumeNative: (_broker, queue) => emulator.consumeNative(queue, fifo),
    backgroundFault: delayQueueFault(emulator, fifo),
    nativeTypes: SQS_NATIVE_TYPES,
  } satisfies Omit<ConformanceHarness, 'deviations'>;
}

/** What the README's "Escape hatches" documents: the SDK client, and the SDK `Message`. */
export const SQS_NATIVE_TYPES: NativeTypes = {
  client: SQSClient,
  message: {
    name: 'Message (@aws-sdk/client-sqs)',
    is: (value): value is Message =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Message).ReceiptHandle === 'string' &&
      typeof (value as Message).MessageId === 'string',
  },
};

/**
 * E1: the delay queue vanishes under the forwarder. The broker gets an SQS client of its own (so
 * that no other test's client is touched), and the fault sends the forwarder's receives on the
 * queue's delay queue to a queue that does not exist: SQS answers QueueDoesNotExist, as it would
 * to a deleted delay queue, while the work queue and sends (a FIFO delay goes into the delay
 * queue) are untouched. SQS URLs carry no credentials: the SDK takes them from its chain.
 */
function delayQueueFault(emulator: Emulator, fifo: boolean): BackgroundFault {
  return {
    action: 'forward-pull',
    connect: async () => ({
      broker: await connect({
        driver: createSqsDriver({
          region: 'us-east-1',
          endpoint: emulator.endpoint,
          queuePrefix: emulator.prefix,
          fifo,
          waitTimeSeconds: 0,
          maxNativeDelaySeconds: 1,
        }),
      }),
    }),
    inject: async (broker, queue) => {
      const delayQueue = nativeDelayQueueName(emulator.prefix, queue);
      broker.native(SQSClient).middlewareStack.add(
        (next, context) => (args) => {
          const input = args.input as ReceiveMessageRequest;
          if (context.commandName === 'ReceiveMessageCommand' && input.QueueUrl?.endsWith(`/${delayQueue}`))
            input.QueueUrl = `${input.QueueUrl}-deleted`;
          return next(args);
        },
        { step: 'initialize' },
      );
    },
  };
}

export function capabilitiesOf(fifo: boolean) {
  return createSqsDriver({ api: {} as never, fifo, waitTimeSeconds: 0, maxNativeDelaySeconds: 1 })
    .capabilities;
}
