import type { CopyPublisher, DeliveryTargets } from './amqp-delivery.js';
import type { AmqpSession } from './amqp-session.js';

/** The per-queue bundle the driver hands its receivers and dead-letter store: names, session, reports. */
export interface QueueContext {
  /** The logical queue name, for reports. */
  readonly name: string;
  readonly session: AmqpSession;
  readonly copies: CopyPublisher;
  /** The native work queue and dead-letter queue. */
  readonly targets: DeliveryTargets;
  /** Native work queue a dead letter goes back to, from its `pq-dl-source-queue` (logical) name. */
  readonly sourceQueue: (logical: string | undefined) => string;
  /** Bound of every wait on RabbitMQ's answer (publish_timeout_ms). */
  readonly timeoutMs: number;
  /** Failures of work no caller awaits (a forward, a release at close, a cancel); never throws. */
  readonly report: (action: string, error: unknown) => void;
}
