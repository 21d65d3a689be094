import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';

/** Seconds: the buckets the conventions advise for their duration histograms (the SDK's default is for ms). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * The instruments: the four the messaging conventions define, then polyqueue's own
 * (docs/observability.md lists each with its attributes).
 */
export class PolyqueueMetrics {
  /** The meter the instruments belong to (queue depth gauges join it). */
  readonly meter: Meter;
  readonly operationDuration: Histogram;
  readonly sentMessages: Counter;
  readonly consumedMessages: Counter;
  readonly processDuration: Histogram;
  readonly attempts: Histogram;
  readonly deadLetters: Counter;
  readonly handlerTimeouts: Counter;
  readonly leaseExtensions: Counter;

  constructor(meter: Meter) {
    this.meter = meter;
    this.operationDuration = meter.createHistogram('messaging.client.operation.duration', {
      unit: 's',
      description: 'Duration of a messaging operation initiated by a producer or consumer client.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.sentMessages = meter.createCounter('messaging.client.sent.messages', {
      unit: '{message}',
      description: 'Number of messages the producer attempted to send to the broker.',
    });
    this.consumedMessages = meter.createCounter('messaging.client.consumed.messages', {
      unit: '{message}',
      description: 'Number of messages delivered to the application.',
    });
    this.processDuration = meter.createHistogram('messaging.process.duration', {
      unit: 's',
      description: 'Duration of processing operation (handler and settlement).',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.attempts = meter.createHistogram('polyqueue.job.attempts', {
      unit: '{attempt}',
      description: 'The attempt number at which a job was settled (acked or dead-lettered).',
      advice: { explicitBucketBoundaries: [1, 2, 3, 5, 10, 20] },
    });
    this.deadLetters = meter.createCounter('polyqueue.dead_letters', {
      unit: '{message}',
      description: 'Jobs moved to the dead-letter queue, by polyqueue.dead_letter.reason.',
    });
    this.handlerTimeouts = meter.createCounter('polyqueue.handler.timeouts', {
      unit: '{attempt}',
      description: 'Handler attempts that ran past handlerTimeoutMs.',
    });
    this.leaseExtensions = meter.createCounter('polyqueue.lease.extensions', {
      unit: '{extension}',
      description: 'Lease extensions workers asked the broker for while jobs were held.',
    });
  }

  sent(attributes: Attributes, count: number, seconds: number, errorType: string | undefined): void {
    const attrs = errorType === undefined ? attributes : { ...attributes, 'error.type': errorType };
    this.operationDuration.record(seconds, attrs);
    this.sentMessages.add(count, attrs);
  }
}
