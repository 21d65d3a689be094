import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Broker, Queue } from '@polyqueue/core';
import { HttpError } from '../http/http-error.js';
import { readJson } from '../http/read-json.js';
import { sendJson } from '../http/respond.js';
import { parseQuery, readDeadLetterPage } from './dead-letter-page.js';
import { isObject, parseJobForm } from './job-form.js';
import type { QueueSampler } from './queue-sampler.js';

/** api/queues/:queue/ then what to do: read dead letters (GET), redrive, purge, send (POST). */
export const QUEUE_ROUTE =
  /^\/api\/queues\/([^/]+)\/(dead-letters|dead-letters\/redrive|dead-letters\/purge|jobs)$/;
const MAX_REDRIVE_IDS = 1_000;

export interface QueueActionContext {
  readonly broker: Broker;
  readonly sampler: QueueSampler;
}

/**
 * One action on one queue, through core's own operations (`deadLetters.peek/redrive/purge`,
 * `send`). The caller has checked who may do it (read or mutation).
 */
export async function routeQueueAction(
  req: IncomingMessage,
  res: ServerResponse,
  { broker, sampler }: QueueActionContext,
  match: RegExpExecArray,
  params: URLSearchParams,
): Promise<void> {
  const name = decodeURIComponent(match[1]!);
  const queue = broker.queue(name);
  // Only the queues it shows: a misspelt name must not create a queue on a broker that
  // provisions on first use (a user's broker may), nor send a job nobody consumes.
  if (!(await sampler.knows(name)))
    throw new HttpError(
      404,
      `no queue "${name}" here: not listed by the broker nor given in the queues option`,
    );
  const action = match[2];
  const reading = req.method === 'GET' || req.method === 'HEAD';
  if (action === 'dead-letters') {
    if (!reading) throw new HttpError(405, `${match[0]} takes GET`);
    return sendJson(res, 200, await readDeadLetterPage(queue, parseQuery(params)));
  }
  if (reading) throw new HttpError(405, `${match[0]} takes POST`);
  const body = await readJson(req);
  let status = 200;
  let answer: unknown;
  if (action === 'jobs') {
    const form = parseJobForm(body);
    answer = { id: await queue.send(form.payload, form.options) };
    status = 201;
  } else if (action === 'dead-letters/purge') answer = { deleted: await queue.deadLetters.purge() };
  else answer = { moved: await redrive(queue, body) };
  // The counts the page shows next reflect what was just done.
  await sampler.refresh();
  sendJson(res, status, answer);
}

/** `{ all: true }` or `{ ids: [...] }`: the whole dead-letter queue, or the chosen ones. */
async function redrive(queue: Queue, body: unknown): Promise<number> {
  if (!isObject(body)) throw new HttpError(400, 'send { "all": true } or { "ids": [...] }');
  if (body.all === true) return queue.deadLetters.redrive();
  const { ids } = body;
  if (
    !Array.isArray(ids) ||
    ids.length === 0 ||
    ids.length > MAX_REDRIVE_IDS ||
    !ids.every((id) => typeof id === 'string' && id !== '')
  )
    throw new HttpError(400, `ids must be 1 to ${MAX_REDRIVE_IDS} dead-letter ids`);
  // An adapter whose store cannot choose answers UnsupportedFeatureError (501): nothing moved.
  return queue.deadLetters.redrive({ ids });
}
