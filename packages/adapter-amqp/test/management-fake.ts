import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A stand-in for RabbitMQ's management HTTP API, which the shared broker does not run (the
 * plugin is not enabled, and the tests must not change the broker). It serves the two documented
 * read calls the driver makes, with the documented JSON field names, from `rabbitmqctl`'s view of
 * the same broker:
 * - GET /api/queues/{vhost}/{name}: `{ name, vhost, messages_ready, messages_unacknowledged }`,
 *   404 when the queue does not exist;
 * - GET /api/exchanges/{vhost}/{name}/bindings/source: `[{ source, destination,
 *   destination_type, routing_key }]`.
 * It checks HTTP Basic credentials as the API does (401 otherwise) and records each request.
 */
export class ManagementFake {
  readonly requests: string[] = [];
  readonly #server: Server;
  readonly #authorization: string;

  private constructor(server: Server, user: string, password: string) {
    this.#server = server;
    this.#authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  static async start(user: string, password: string): Promise<ManagementFake> {
    const server = createServer();
    const fake = new ManagementFake(server, user, password);
    server.on('request', (request, response) => {
      fake.requests.push(request.url ?? '');
      fake.#answer(request.url ?? '', request.headers.authorization).then(
        ({ status, body }) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        },
        (error: unknown) => {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'internal', reason: String(error) }));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(url: string, authorization: string | undefined): Promise<{ status: number; body: unknown }> {
    if (authorization !== this.#authorization)
      return { status: 401, body: { error: 'not_authorised', reason: 'Login failed' } };
    const parts = url.split('?')[0]!.split('/').map(decodeURIComponent);
    // ['', 'api', 'queues', vhost, name] or ['', 'api', 'exchanges', vhost, name, 'bindings', 'source']
    if (parts[1] === 'api' && parts[2] === 'queues' && parts.length === 5) {
      const queues = (await ctl(
        parts[3]!,
        'list_queues',
        'name',
        'messages_ready',
        'messages_unacknowledged',
      )) as {
        name: string;
        messages_ready: number;
        messages_unacknowledged: number;
      }[];
      const queue = queues.find((q) => q.name === parts[4]);
      if (queue === undefined)
        return { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } };
      return { status: 200, body: { ...queue, vhost: parts[3] } };
    }
    if (parts[1] === 'api' && parts[2] === 'exchanges' && parts[5] === 'bindings' && parts[6] === 'source') {
      const bindings = (await ctl(
        parts[3]!,
        'list_bindings',
        'source_name',
        'destination_name',
        'destination_kind',
        'routing_key',
      )) as {
        source_name: string;
        destination_name: string;
        destination_kind: string;
        routing_key: string;
      }[];
      return {
        status: 200,
        body: bindings
          .filter((b) => b.source_name === parts[4])
          .map((b) => ({
            source: b.source_name,
            vhost: parts[3],
            destination: b.destination_name,
            destination_type: b.destination_kind,
            routing_key: b.routing_key,
          })),
      };
    }
    return { status: 404, body: { error: 'Object Not Found', reason: 'Not Found' } };
  }
}

async function ctl(vhost: string, ...args: string[]): Promise<unknown[]> {
  const { stdout } = await exec('rabbitmqctl', ['-q', '-p', vhost, ...args, '--formatter', 'json'], {
    timeout: 30_000,
  });
  return JSON.parse(stdout) as unknown[];
}
