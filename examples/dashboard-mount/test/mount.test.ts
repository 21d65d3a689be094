import { type Broker, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuilt } from '../../../packages/dashboard/test/support/build-ui.js';
import { serveWithExpress } from '../src/express.js';
import { serveWithFastify } from '../src/fastify.js';
import { serveWithHono } from '../src/hono.js';
import type { MountedApp } from '../src/mounted-app.js';

const TOKEN = 'example-token-of-enough-length';
const FRAMEWORKS = [
  { name: 'Express', serve: serveWithExpress },
  { name: 'Fastify', serve: serveWithFastify },
  { name: 'Hono', serve: serveWithHono },
];

beforeAll(ensureUiBuilt, 120_000);

describe.each(FRAMEWORKS)('the dashboard mounted under /queues in $name', ({ serve }) => {
  let broker: Broker;
  let app: MountedApp;

  beforeAll(async () => {
    broker = await connect('memory://');
    // The dashboard acts on the queues the broker lists: one that exists.
    await broker.queue('emails').provision();
    app = await serve(broker, 0, TOKEN);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  const call = (path: string, init: RequestInit = {}) =>
    fetch(new URL(path, app.url), { redirect: 'manual', signal: AbortSignal.timeout(10_000), ...init });
  const auth = { Authorization: `Bearer ${TOKEN}` };

  it('serves the page below the prefix, and redirects the bare prefix to it', async () => {
    const bare = await call('/queues');
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/queues/');
    const page = await call('/queues/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="app">');
  });

  it('answers its API (with the token) and leaves the app its own routes', async () => {
    expect((await call('/queues/api/queues')).status).toBe(401);
    expect((await call('/queues/api/queues', { headers: auth })).status).toBe(200);
    expect(await (await call('/')).text()).toContain('Your app');
  });

  it('reads the POST body itself: a job sent through it arrives', async () => {
    const sent = await call('/queues/api/queues/emails/jobs', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ payload: { to: 'ada@example.com' }, attributes: { via: 'dashboard' } }),
    });
    expect(sent.status).toBe(201);
    const letters: unknown[] = [];
    const worker = broker.queue('emails').process(async (job) => {
      letters.push({ payload: job.payload, attributes: job.attributes });
    });
    await expect
      .poll(() => letters, { timeout: 5_000 })
      .toEqual([{ payload: { to: 'ada@example.com' }, attributes: { via: 'dashboard' } }]);
    await worker.close();
  });
});
