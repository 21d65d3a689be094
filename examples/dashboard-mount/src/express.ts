import type { AddressInfo } from 'node:net';
import type { Broker } from '@polyqueue/core';
import { createDashboard } from '@polyqueue/dashboard';
import express from 'express';
import type { MountedApp } from './mounted-app.js';

/**
 * Express: `app.use(prefix, handler)`. Express strips the prefix from `req.url` and keeps it in
 * `req.originalUrl`, which the dashboard reads. Mount it before any body parser (express.json()
 * would consume the request bodies the dashboard reads, and bounds, itself).
 */
export function serveWithExpress(broker: Broker, port: number, token?: string): Promise<MountedApp> {
  const app = express();
  const dashboard = createDashboard({
    broker,
    basePath: '/queues',
    ...(token === undefined ? {} : { token }),
  });
  app.use('/queues', dashboard);
  app.get('/', (_req, res) => {
    res.send('Your app. The dashboard is at /queues/');
  });
  return new Promise((resolve) => {
    const server = app.listen(port, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/queues/`,
        close: async () => {
          await dashboard.close();
          server.closeAllConnections();
          await new Promise((done) => server.close(done));
        },
      });
    });
  });
}
