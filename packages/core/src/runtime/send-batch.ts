import type { OutgoingMessage } from '../driver/outgoing-message.js';
import { ValidationError } from '../errors/validation-error.js';
import { describeIssues, validate } from '../schema/validate.js';
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
export async function sendBatch<T>(
  rt: QueueRuntime<T>,
  items: readonly BatchItem<T>[],
): Promise<SendResult[]> {
  rt.assertOpen('send');
  const results: SendResult[] = new Array(items.length);
  const payloads = rt.schema ? await validateAll(rt, items, results) : items.map((item) => item.payload);
  const { driver } = rt;
  const now = rt.clock.now();
  const pending: { index: number; message: OutgoingMessage }[] = [];
  let ordered = false;
  for (let i = 0; i < items.length; i++) {
    if (results[i] !== undefined) continue;
    try {
      const options = items[i]!.options;
      pending.push({
        index: i,
        message: encodeJob(payloads[i], options, rt.serializer, driver.capabilities, driver.name, now),
      });
      if (options?.orderingKey !== undefined) ordered = true;
    } catch (error) {
      results[i] = { ok: false, error: error as Error };
    }
  }
  if (pending.length > 0) {
    await rt.ensureProvisioned();
    const size = driver.capabilities.maxBatchSize;
    const chunks: (typeof pending)[] = [];
    for (let i = 0; i < pending.length; i += size) chunks.push(pending.slice(i, i + size));
    if (ordered) for (const chunk of chunks) await publish(rt, chunk, results);
    else await Promise.all(chunks.map((chunk) => publish(rt, chunk, results)));
  }
  return results;
}

async function publish<T>(
  rt: QueueRuntime<T>,
  chunk: readonly { index: number; message: OutgoingMessage }[],
  results: SendResult[],
): Promise<void> {
  try {
    const outcomes = await rt.driver.send(
      rt.topology,
      chunk.map((p) => p.message),
    );
    for (let i = 0; i < chunk.length; i++) {
      const { index, message } = chunk[i]!;
      const outcome = outcomes[i];
      results[index] = outcome?.ok
        ? { ok: true, id: outcome.duplicateOf ?? message.meta.id }
        : {
            ok: false,
            error: rt.wrapError(outcome ? outcome.error : new Error('driver returned no outcome'), 'send'),
          };
    }
  } catch (error) {
    const wrapped = rt.wrapError(error, 'send');
    for (const { index } of chunk) results[index] = { ok: false, error: wrapped };
  }
}

async function validateAll<T>(
  rt: QueueRuntime<T>,
  items: readonly BatchItem<T>[],
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
