/**
 * The dashboard in your own server, under /queues:
 *
 *   QUEUE_URL=nats://localhost:4222 npx tsx examples/dashboard-mount/src/main.ts express|fastify|hono
 */
import { closeOnSignals, connect } from '@polyqueue/core';
import { serveWithExpress } from './express.js';
import { serveWithFastify } from './fastify.js';
import { serveWithHono } from './hono.js';

const SERVE = { express: serveWithExpress, fastify: serveWithFastify, hono: serveWithHono };
const framework = (process.argv[2] ?? 'express') as keyof typeof SERVE;
if (!(framework in SERVE)) throw new Error(`name one of: ${Object.keys(SERVE).join(', ')}`);

// provision: false: looking at a misspelt queue name must not create it.
const broker = await connect(process.env.QUEUE_URL ?? 'memory://', { provision: false });
const app = await SERVE[framework](
  broker,
  Number(process.env.PORT ?? 3000),
  process.env.POLYQUEUE_DASHBOARD_TOKEN,
);
console.log(`${framework}: ${app.url}`);
closeOnSignals([app, broker]);
