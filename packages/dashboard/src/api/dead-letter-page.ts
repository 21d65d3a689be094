import type { DeadLetter, Queue } from '@polyqueue/core';
import { HttpError } from '../http/http-error.js';
import type { DeadLetterPage, DeadLetterView } from './wire.js';

/** Dead letters are peeked, never taken: this bounds how many one page view reads. */
export const MAX_SCAN = 1_000;
export const MAX_PAGE = 100;
const MAX_BODY_TEXT = 64 * 1024;

export interface DeadLetterQuery {
  readonly offset: number;
  readonly limit: number;
  readonly reason: string | undefined;
  /** Case-insensitive text searched in the error name and message. */
  readonly text: string | undefined;
}

export function parseQuery(params: URLSearchParams): DeadLetterQuery {
  const offset = integer(params.get('offset'), 0, 'offset', MAX_SCAN);
  const limit = integer(params.get('limit'), 25, 'limit', MAX_PAGE);
  if (limit < 1) throw new HttpError(400, 'limit must be at least 1');
  const reason = params.get('reason') || undefined;
  const text = params.get('text')?.trim() || undefined;
  return { offset, limit, reason, text };
}

/**
 * One page of a queue's dead letters, filtered by reason and by text in the error. Without a
 * filter only as many as the page needs are peeked; with one, the first MAX_SCAN.
 */
export async function readDeadLetterPage(queue: Queue, query: DeadLetterQuery): Promise<DeadLetterPage> {
  const filtered = query.reason !== undefined || query.text !== undefined;
  const window = filtered ? MAX_SCAN : Math.min(MAX_SCAN, query.offset + query.limit + 1);
  const letters = await queue.deadLetters.peek(window);
  const reasons: Record<string, number> = {};
  for (const letter of letters) {
    const reason = letter.record?.reason ?? 'unknown';
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  const matching = letters.filter((letter) => matches(letter, query));
  return {
    items: matching.slice(query.offset, query.offset + query.limit).map(toView),
    offset: query.offset,
    limit: query.limit,
    matched: matching.length,
    scanned: letters.length,
    more: letters.length >= window && window === MAX_SCAN,
    reasons,
  };
}

function matches(letter: DeadLetter<unknown>, query: DeadLetterQuery): boolean {
  const reason = letter.record?.reason ?? 'unknown';
  if (query.reason !== undefined && reason !== query.reason) return false;
  if (query.text === undefined) return true;
  const haystack = `${letter.record?.errorName ?? ''}\n${letter.record?.errorMessage ?? ''}`.toLowerCase();
  return haystack.includes(query.text.toLowerCase());
}

export function toView(letter: DeadLetter<unknown>): DeadLetterView {
  const base = { id: letter.id, attributes: letter.attributes, record: letter.record ?? null };
  if (letter.payload !== undefined && isJsonSafe(letter.payload)) return { ...base, payload: letter.payload };
  // Not decodable (or not JSON: a custom serializer's BigInt): show the bytes as text.
  const text = Buffer.from(letter.body.subarray(0, MAX_BODY_TEXT)).toString('utf8');
  return { ...base, bodyText: letter.body.length > MAX_BODY_TEXT ? `${text}…` : text };
}

function isJsonSafe(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

function integer(text: string | null, fallback: number, name: string, max: number): number {
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new HttpError(400, `${name} must be an integer from 0 to ${max}`);
  return value;
}
