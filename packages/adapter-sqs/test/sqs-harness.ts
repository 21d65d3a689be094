import type { ConformanceHarness } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { createSqsDriver } from '../src/index.js';
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
  } satisfies Omit<ConformanceHarness, 'deviations'>;
}

export function capabilitiesOf(fifo: boolean) {
  return createSqsDriver({ api: {} as never, fifo, waitTimeSeconds: 0, maxNativeDelaySeconds: 1 })
    .capabilities;
}
