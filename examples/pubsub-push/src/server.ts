import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { PushResponse } from '@polyqueue/adapter-pubsub/push';

/** Largest request body accepted: a 10 MB message, base64-encoded, plus its envelope. */
const MAX_BODY_BYTES = 14 * 1024 * 1024;

/**
 * An HTTP server for a Pub/Sub push subscription: every POST body goes to the push handler, whose
 * status code tells Pub/Sub to acknowledge (2xx) or to push again later (anything else).
 */
export function pushServer(handler: { handle(body: unknown): Promise<PushResponse> }): Server {
  return createServer(async (request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(request);
    if (body === undefined) {
      response.writeHead(413).end();
      return;
    }
    const { status } = await handler.handle(body);
    response.writeHead(status).end();
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
