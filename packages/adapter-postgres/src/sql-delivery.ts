import {
  type Batcher,
  completeMeta,
  type DeadLetterRecord,
  type Delivery,
  type JobMeta,
  SettleOnce,
} from '@polyqueue/core/driver';
import { decodeJobRow, type SqlJobRow, storedHeaders } from './job-rows.js';
import type { QueueContext } from './queue-context.js';
import { DEAD_LETTER_INSERT, DEAD_LETTER_TAKE, EXTEND, RELEASE, RETRY } from './statements.js';

/**
 * One fetched row, leased to this delivery by its `lease_token`. Each settlement is one statement
 * (the dead-letter move, one transaction) that acts only while the row still carries the token:
 * after the lease ran out and another receiver fetched the job, this delivery settles nothing.
 *
 * - `ack` goes through the receiver's batcher: one DELETE for every ack of a tick.
 * - Settlements that can make a job fetchable sooner (retry, release, and freeing an ordering
 *   key) wake the queue's receivers (NOTIFY on PostgreSQL).
 */
export class SqlDelivery implements Delivery {
  readonly body: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly meta: Partial<JobMeta> & { readonly id: string };
  readonly deliveryCount: number;
  readonly native: SqlJobRow;
  readonly #queue: QueueContext;
  readonly #acks: Batcher<SqlJobRow>;
  readonly #once = new SettleOnce(() => this.#queue.alive());

  constructor(queue: QueueContext, row: SqlJobRow, acks: Batcher<SqlJobRow>) {
    const decoded = decodeJobRow(queue.topology.name, row);
    this.body = row.body;
    this.attributes = decoded.attributes;
    this.meta = decoded.meta;
    this.deliveryCount = row.deliveries;
    this.native = row;
    this.#queue = queue;
    this.#acks = acks;
  }

  async ack(): Promise<void> {
    if (this.#once.claim()) await this.#acks.add(this.native);
  }

  async retry(delayMs: number, attempt: number): Promise<void> {
    if (!this.#once.claim()) return;
    await this.#queue.run(RETRY, [...this.#owner(), Math.max(0, Math.ceil(delayMs)), attempt]);
    await this.#queue.notify();
  }

  async deadLetter(record: DeadLetterRecord): Promise<void> {
    if (!this.#once.claim()) return;
    const { executor, dialect } = this.#queue;
    const headers = storedHeaders(this.#fullMeta(), this.attributes, record);
    await executor.transaction(async (tx) => {
      const taken = await tx.all(dialect.sql(DEAD_LETTER_TAKE), this.#owner());
      const row = taken[0];
      if (row === undefined) return; // no longer ours: the job's current holder settles it
      await tx.all(dialect.sql(DEAD_LETTER_INSERT), [
        row.queue,
        this.meta.id,
        this.body,
        headers,
        record.reason,
        record.errorName,
        record.errorMessage,
        record.errorStack ?? null,
        record.attempts,
        record.failedAt,
      ]);
      if (row.ordering_key !== null && row.ordering_key !== undefined) await this.#queue.notify(tx);
    });
  }

  async release(): Promise<void> {
    if (!this.#once.claim()) return;
    await this.#queue.run(RELEASE, this.#owner());
    await this.#queue.notify();
  }

  async extendLease(leaseMs: number): Promise<void> {
    if (!this.#once.open) return;
    await this.#queue.run(EXTEND, [...this.#owner(), leaseMs]);
  }

  #owner(): [string, string] {
    return [this.native.seq, this.native.leaseToken];
  }

  #fullMeta(): JobMeta {
    return completeMeta(this.meta, this.native.enqueuedAt);
  }
}
