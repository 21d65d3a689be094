import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Larger than any job a broker takes (SQS: 1 MiB, Pub/Sub: 10 MB is past what a form sends). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request's JSON body, parsed. Refuses, before reading far: a body over `MAX_BODY_BYTES`
 * (413, the connection is not kept), another content type (415), invalid JSON (400).
 */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}
