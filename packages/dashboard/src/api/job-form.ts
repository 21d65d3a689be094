import type { SendOptions } from '@polyqueue/core';
import { HttpError } from '../http/http-error.js';

export interface JobForm {
  readonly payload: unknown;
  readonly options: SendOptions;
}

const MAX_ATTRIBUTES = 64;

/** `{ payload, delayMs?, attributes? }` from the Send page, checked before the broker sees it. */
export function parseJobForm(body: unknown): JobForm {
  if (!isObject(body) || !('payload' in body)) throw new HttpError(400, 'send { "payload": <JSON> }');
  const options: { -readonly [K in keyof SendOptions]: SendOptions[K] } = {};
  const { delayMs, attributes } = body;
  if (delayMs !== undefined && delayMs !== null) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
      throw new HttpError(400, 'delayMs must be a number of milliseconds >= 0');
    if (delayMs > 0) options.delay = delayMs;
  }
  if (attributes !== undefined && attributes !== null) {
    if (!isObject(attributes)) throw new HttpError(400, 'attributes must be an object of strings');
    const entries = Object.entries(attributes);
    if (entries.length > MAX_ATTRIBUTES) throw new HttpError(400, `at most ${MAX_ATTRIBUTES} attributes`);
    for (const [key, value] of entries) {
      if (typeof value !== 'string') throw new HttpError(400, `attribute "${key}" must be a string`);
    }
    if (entries.length > 0) options.attributes = attributes as Record<string, string>;
  }
  return { payload: body.payload, options };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
