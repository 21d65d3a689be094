import type { ServerResponse } from 'node:http';
import {
  ConfigError,
  QueueNotFoundError,
  redactCredentials,
  UnsupportedFeatureError,
  ValidationError,
} from '@polyqueue/core';
import { HttpError } from './http-error.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * The error as `{ error: { name, message, code? } }` with a status that says whose fault it is.
 * Core errors already mask the URL's credentials; the message is masked once more, as free text,
 * because it is about to leave the process.
 */
export function sendError(res: ServerResponse, error: unknown): void {
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : 'Error';
  const message = redactCredentials(error instanceof Error ? error.message : String(error));
  const code = (error as { code?: unknown }).code;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 413) res.setHeader('Connection', 'close');
  sendJson(res, status, { error: { name, message, ...(typeof code === 'string' ? { code } : {}) } });
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  // A malformed %-escape in the path: the request's fault.
  if (error instanceof URIError) return 400;
  if (error instanceof ConfigError || error instanceof ValidationError) return 400;
  if (error instanceof QueueNotFoundError) return 404;
  if (error instanceof UnsupportedFeatureError) return 501;
  // The broker failed or is unreachable: the dashboard is a gateway to it.
  return 502;
}
