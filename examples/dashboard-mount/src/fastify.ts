import type { AddressInfo } from 'node:net';
import type { Broker } from '@polyqueue/core';
import { createDashboard } from '@polyqueue/dashboard';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { MountedApp } from './mounted-app.js';

/**
 * Fastify: the dashboard answers on the raw Node request and response (`reply.hijack()`), in a
 * plugin of its own where Fastify is told not to read request bodies: the dashboard reads (and
 * bounds) them itself.
 */
export async function serveWithFastify(broker: Broker, port: number, token?: string): Promise<MountedApp> {
  const app = Fastify();
  const dashboard = createDashboard({
    broker,
    basePath: '/queues',
    ...(token === undefined ? {} : { token }),
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handle = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    };
    scope.all('/queues', handle);
    scope.all('/queues/*', handle);
  });
  app.get('/', async () => 'Your app. The dashboard is at /queues/');
  app.addHook('onClose', async () => dashboard.close());
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/queues/`,
    close: () => app.close(),
  };
}
