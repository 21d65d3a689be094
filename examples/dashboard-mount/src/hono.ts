import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpBindings, serve } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Broker } from '@polyqueue/core';
import { createDashboard } from '@polyqueue/dashboard';
import { Hono } from 'hono';
import type { MountedApp } from './mounted-app.js';

/**
 * Hono on Node (@hono/node-server): the route hands the raw Node request and response (its
 * `HttpBindings`) to the dashboard, and tells Hono the response is already being sent.
 */
export function serveWithHono(broker: Broker, port: number, token?: string): Promise<MountedApp> {
  const app = new Hono<{ Bindings: HttpBindings }>();
  const dashboard = createDashboard({
    broker,
    basePath: '/queues',
    ...(token === undefined ? {} : { token }),
  });
  const handle = (c: { env: HttpBindings }) => {
    dashboard(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  };
  app.all('/queues', handle);
  app.all('/queues/*', handle);
  app.get('/', (c) => c.text('Your app. The dashboard is at /queues/'));
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}/queues/`,
        close: async () => {
          await dashboard.close();
          (server as Server).closeAllConnections();
          await new Promise((done) => server.close(done));
        },
      });
    });
  });
}
