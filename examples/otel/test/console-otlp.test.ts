import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { runConsoleOtlp } from '../src/console-otlp.js';

/** A tiny OTLP/HTTP receiver: keeps each request's path and JSON body, answers 200. */
async function otlpReceiver() {
  const received: { path: string; body: unknown }[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ path: request.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

it('console + OTLP example: spans and metrics reach the OTLP receiver when the providers shut down', async () => {
  const receiver = await otlpReceiver();
  try {
    await runConsoleOtlp({
      url: `memory://otel-otlp-${randomBytes(3).toString('hex')}`,
      otlpEndpoint: receiver.endpoint,
      jobs: 2,
    });
    const bodies = (path: string) =>
      receiver.received.filter((r) => r.path === path).map((r) => JSON.stringify(r.body));
    const traces = bodies('/v1/traces').join('\n');
    expect(traces).toContain('"send emails"');
    expect(traces.match(/"process emails"/g)).toHaveLength(2);
    const metrics = bodies('/v1/metrics').join('\n');
    expect(metrics).toContain('"messaging.client.sent.messages"');
    expect(metrics).toContain('"messaging.process.duration"');
    expect(metrics).toContain('"polyqueue.queue.ready"');
  } finally {
    await receiver.close();
  }
});
