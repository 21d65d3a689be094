import type { ConformanceHarness } from '@polyqueue/conformance';
import { connect } from '@polyqueue/core';
import { createSqsDriver } from '../src/index.js';
import type { Emulator } from './emulator.js';

/** Deviations of local-aws-sqs 2.0.2 from SQS (BROKERS.md appendix; README "Known deviations"). */
export const DEVIATION = {
  receiveCount:
    '2 (local-aws-sqs): ChangeMessageVisibility bumps ApproximateReceiveCount, so a retry by visibility skips an attempt',
  inFlightCounted:
    '5 (local-aws-sqs): ApproximateNumberOfMessages counts in-flight messages as well, so "ready" includes them',
} as const;

/**
 * The rules those deviations make fail, by rule ID. O2 (FIFO only: standard queues declare no
 * ordering) retries by visibility too, so deviation 2 reaches it there.
 */
export function emulatorDeviations(fifo: boolean): Record<string, string> {
  return {
    R1: DEVIATION.receiveCount,
    R2: DEVIATION.receiveCount,
    R3: DEVIATION.receiveCount,
    L4: DEVIATION.receiveCount,
    Q2: DEVIATION.receiveCount,
    ...(fifo ? { O2: DEVIATION.receiveCount } : {}),
    Q4: DEVIATION.inFlightCounted,
  };
}

/**
 * The SQS harness. Short polling (`wait_time_seconds=0`): the emulator answers a long poll only
 * when it has MaxNumberOfMessages or the wait is over (deviation 5 in the README). The native
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
