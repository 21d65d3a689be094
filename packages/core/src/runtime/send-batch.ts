import type { OutgoingMessage, SendOutcome } from '../driver/outgoing-message.js';
import { UnsupportedFeatureError } from '../errors/unsupported-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { endSend } from '../instrument/end-send.js';
import { describeIssues, validate, validateSync } from '../schema/validate.js';
import { encodeJob } from './encode-job.js';
import type { SendOptions } from './options.js';
import type { QueueRuntime } from './queue-runtime.js';

export interface BatchItem<T> {
  readonly payload: T;
  readonly options?: SendOptions;
}

/** One result per item, in input order. */
export type SendResult =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: Error };

/**
 * Validates and encodes every item (a bad one fails alone), then publishes the good ones in
 * chunks of the driver's batch limit. Chunks go out concurrently unless an item carries an
 * ordering key, where send order is part of the contract.
 */
export async function sendBatch<T, I>(
  rt: QueueRuntime<T>,
  items: readonly BatchItem<I>[],
): Promise<SendResult[]> {
  rt.assertOpen('send');
  const transaction = sharedTransaction(rt, items);
  // Delays count from the call, as the caller wrote them.
  const now = rt.clock.now();
  const results: SendResult[] = new Array(items.length);
  // Without a schema the payloads are the items' own: no array of them, no call per item.
  const validated = rt.schema ? await validateAll(rt, items, results) : undefined;
  const { driver } = rt;
  // Two parallel arrays rather than an { index, message } object per item, and no copy when
  // everything fits in one driver batch: at a million jobs a second, allocation is the cost.
  const messages: OutgoingMessage[] = [];
  const indices: number[] = [];
  let ordered = false;
  for (let i = 0; i < items.length; i++) {
    if (results[i] !== undefined) continue;
    try {
      const item = items[i]!;
      const { options } = item;
      const payload = validated === undefined ? item.payload : validated[i];
      messages.push(encodeJob(payload, options, rt.serializer, driver.capabilities, driver.name, now));
      indices.push(i);
      if (options?.orderingKey !== undefined) ordered = true;
    } catch (error) {
      results[i] = { ok: false, error: error as Error };
    }
  }
  if (messages.length > 0) {
    const encodedAt = rt.clock.now();
    await rt.ensureProvisioned();
    const handedOverAt = rt.clock.now();
    // Only a wait for provisioning moves the stamps: the millisecond or two that encoding a large
    // batch takes is not, and rewriting every job's meta for it was a measurable share of sendBatch.
    if (handedOverAt !== encodedAt) stampHandOver(messages, handedOverAt);
    const scope = rt.instrumentation.current?.send(rt.topology.name, driver.name, messages);
    const size = driver.capabilities.maxBatchSize;
    if (messages.length <= size) {
      await publish(rt, messages, indices, 0, results, transaction);
    } else {
      const starts: number[] = [];
      for (let start = 0; start < messages.length; start += size) starts.push(start);
      const chunk = (start: number) =>
        publish(rt, messages.slice(start, start + size), indices, start, results, transaction);
      // One transaction is one connection: its chunks go one after the other.
      if (ordered || transaction !== undefined) for (const start of starts) await chunk(start);
      else await Promise.all(starts.map(chunk));
    }
    if (scope) endSend(scope, results, indices);
  }
  return results;
}

/**
 * `enqueuedAt` is when the job is handed to the broker, not when `send` was called, when the two
 * differ by a wait: the first send of a process waits for the queue to be provisioned (hundreds
 * of ms on a real broker), and that wait is the producer's, not time the job spent in the queue.
 */
function stampHandOver(messages: readonly OutgoingMessage[], at: number): void {
  if (messages[0]!.meta.enqueuedAt === at) return;
  // encodeJob built each meta for this call alone: nothing else holds them yet.
  for (const message of messages) (message.meta as { enqueuedAt: number }).enqueuedAt = at;
}

/** Publishes one driver batch; `messages[i]` is the item at `indices[offset + i]`. */
async function publish<T>(
  rt: QueueRuntime<T>,
  messages: readonly OutgoingMessage[],
  indices: readonly number[],
  offset: number,
  results: SendResult[],
  transaction: unknown,
): Promise<void> {
  try {
    const outcomes = await (transaction === undefined
      ? rt.driver.send(rt.topology, messages)
      : rt.driver.send(rt.topology, messages, { transaction }));
    for (let i = 0; i < messages.length; i++)
      results[indices[offset + i]!] = result(rt, outcomes[i], messages[i]!);
  } catch (error) {
    const wrapped = rt.wrapError(error, 'send');
    for (let i = 0; i < messages.length; i++) results[indices[offset + i]!] = { ok: false, error: wrapped };
  }
}

function result<T>(
  rt: QueueRuntime<T>,
  outcome: SendOutcome | undefined,
  message: OutgoingMessage,
): SendResult {
  return outcome?.ok
    ? { ok: true, id: outcome.duplicateOf ?? message.meta.id }
    : {
        ok: false,
        error: rt.wrapError(outcome ? outcome.error : new Error('driver returned no outcome'), 'send'),
      };
}

/**
 * The one transaction every item of the call carries, or undefined when none does. Checked before
 * any I/O: a call whose items name different transactions (or some none) could commit half of
 * itself, and an adapter without transactions would otherwise send at once what the caller meant
 * to be rolled back with the rest of its work.
 */
function sharedTransaction<T, I>(rt: QueueRuntime<T>, items: readonly BatchItem<I>[]): unknown {
  const transaction = items[0]?.options?.transaction;
  for (const item of items) {
    if (item.options?.transaction !== transaction)
      throw new ValidationError(
        "Every item of one sendBatch must carry the same options.transaction, or none: send each transaction's jobs in a call of their own",
      );
  }
  if (transaction !== undefined && !rt.driver.capabilities.transactions)
    throw new UnsupportedFeatureError('transactional send', rt.driver.name);
  return transaction;
}

/**
 * `Queue.sendSync`: one job written through a synchronous transaction (better-sqlite3's
 * `db.transaction(fn)`) before this returns, so that `fn` can still roll back with it. Everything
 * `send` checks is checked, synchronously; a failure throws, so `fn` throws and rolls back. It
 * cannot await provisioning: the queue must exist (`await queue.provision()` once, beforehand).
 */
export function sendSync<T, I>(rt: QueueRuntime<T>, payload: I, options: SendOptions): string {
  rt.assertOpen('send');
  const { driver } = rt;
  if (options?.transaction === undefined)
    throw new ValidationError('sendSync needs options.transaction: the transaction to write the job in');
  if (!driver.capabilities.transactions || driver.sendSync === undefined)
    throw new UnsupportedFeatureError('synchronous transactional send', driver.name);
  const now = rt.clock.now();
  let value: unknown = payload;
  if (rt.schema) {
    const checked = validateSync<T>(rt.schema, payload);
    if (checked === undefined)
      throw new ValidationError(
        'The queue schema validates asynchronously: sendSync needs a synchronous schema',
      );
    if (!checked.ok)
      throw new ValidationError(
        `Payload fails the queue schema: ${describeIssues(checked.issues)}`,
        checked.issues,
      );
    value = checked.value;
  }
  const message = encodeJob(value, options, rt.serializer, driver.capabilities, driver.name, now);
  const scope = rt.instrumentation.current?.send(rt.topology.name, driver.name, [message]);
  let sent: SendResult;
  try {
    const [outcome] = driver.sendSync(rt.topology, [message], { transaction: options.transaction });
    sent = result(rt, outcome, message);
  } catch (error) {
    sent = { ok: false, error: rt.wrapError(error, 'send') };
  }
  if (scope) endSend(scope, [sent], [0]);
  if (!sent.ok) throw sent.error;
  return sent.id;
}

async function validateAll<T, I>(
  rt: QueueRuntime<T>,
  items: readonly BatchItem<I>[],
  results: SendResult[],
): Promise<unknown[]> {
  const schema = rt.schema!;
  return Promise.all(
    items.map(async (item, i) => {
      const result = await validate<T>(schema, item.payload);
      if (result.ok) return result.value;
      results[i] = {
        ok: false,
        error: new ValidationError(
          `Payload fails the queue schema: ${describeIssues(result.issues)}`,
          result.issues,
        ),
      };
      return undefined;
    }),
  );
}
