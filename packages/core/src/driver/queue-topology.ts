/** Everything a driver needs to know about a queue to provision and serve it. */
export interface QueueTopology {
  /** The logical name the user gave. The driver maps it to native names (and documents how). */
  readonly name: string;
  /** The logical name of its dead-letter queue. */
  readonly deadLetterName: string;
  /** The lease a delivery starts with. */
  readonly leaseMs: number;
  /**
   * The core dead-letters a job itself once `maxAttempts` is used up. A native crash-loop safety
   * net (SQS maxReceiveCount, quorum x-delivery-limit, NATS MaxDeliver...) must be set strictly
   * above this, so that it only catches what the core could not see.
   */
  readonly maxAttempts: number;
}
