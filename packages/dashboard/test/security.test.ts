import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Broker, ConfigError, connect } from '@polyqueue/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteEntities, RABBITMQ_URL, runPrefix } from '../../adapter-amqp/test/rabbitmq.js';
import { runCli } from '../../cli/test/run-cli.js';
import { MAX_BODY_BYTES } from '../src/http/read-json.js';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers.js';
import { createDashboard, type ServedDashboard, serveDashboard } from '../src/index.js';
import { call, sessionToken } from './http-client.js';
import { ensureUiBuilt } from './support/build-ui.js';

const TOKEN = 'a-token-of-32-characters-exactly';
let broker: Broker;
const served: ServedDashboard[] = [];

async function serve(options: Partial<Parameters<typeof serveDashboard>[0]> = {}): Promise<string> {
  const dashboard = await serveDashboard({ broker, port: 0, queues: ['emails'], ...options });
  served.push(dashboard);
  return dashboard.url;
}

beforeAll(async () => {
  await ensureUiBuilt();
  broker = await connect('memory://');
  const emails = broker.queue('emails', { maxAttempts: 1 });
  const worker = emails.process(async () => {
    throw new Error('boom');
  });
  await emails.send({ n: 1 });
  await vi.waitFor(async () => expect(await emails.deadLetters.peek()).toHaveLength(1), { timeout: 5_000 });
  await worker.close();
});

afterAll(async () => {
  await Promise.all(served.map((s) => s.close()));
  await broker?.close();
});

const PURGE = 'api/queues/emails/dead-letters/purge';

describe('dashboard server security', () => {
  it('listens on 127.0.0.1 by default', async () => {
    const url = await serve();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const address = served.at(-1)!.server.address() as AddressInfo;
    expect(address.address).toBe('127.0.0.1');
  });

  it('refuses to start on another host without a token, and starts there with one', async () => {
    await expect(serveDashboard({ broker, host: '0.0.0.0', port: 0 })).rejects.toThrow(ConfigError);
    await expect(serveDashboard({ broker, host: '0.0.0.0', port: 0 })).rejects.toThrow(/token/);
    const url = await serve({ host: '0.0.0.0', token: TOKEN });
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
  });

  it('polyqueue dashboard --host 0.0.0.0 without a token exits 2 before listening', async () => {
    const run = await runCli(['dashboard', '--host', '0.0.0.0', '--port', '0'], { url: 'memory://' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--token');
  });

  it('a mutation without the token is refused (401) and deletes nothing', async () => {
    const url = await serve();
    const answer = await call(`${url}${PURGE}`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(401);
    const wrong = await call(`${url}${PURGE}`, { method: 'POST', body: '{}', token: 'x'.repeat(43) });
    expect(wrong.status).toBe(401);
    expect(await broker.queue('emails').deadLetters.peek()).toHaveLength(1);
  });

  it('a mutation from a foreign Origin is refused (403) even with the token', async () => {
    const url = await serve();
    const token = await sessionToken(url);
    const answer = await call(`${url}${PURGE}`, {
      method: 'POST',
      body: '{}',
      token,
      origin: 'http://evil.example',
    });
    expect(answer.status).toBe(403);
    expect((answer.json as { error: { message: string } }).error.message).toContain('evil.example');
    const site = await call(`${url}${PURGE}`, {
      method: 'POST',
      body: '{}',
      token,
      headers: { 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(site.status).toBe(403);
    expect(await broker.queue('emails').deadLetters.peek()).toHaveLength(1);
  });

  it('a GET cannot mutate: the mutation routes answer 405 to it', async () => {
    const url = await serve();
    const token = await sessionToken(url);
    expect((await call(`${url}${PURGE}`, { token })).status).toBe(405);
    expect(await broker.queue('emails').deadLetters.peek()).toHaveLength(1);
  });

  it('read-only refuses every mutation (403) and hands out no token', async () => {
    const url = await serve({ readOnly: true });
    const session = (await call(`${url}api/session`)).json as Record<string, unknown>;
    expect(session).toMatchObject({ readOnly: true, tokenRequired: false });
    expect(session).not.toHaveProperty('token');
    for (const path of [PURGE, 'api/queues/emails/dead-letters/redrive', 'api/queues/emails/jobs']) {
      const answer = await call(`${url}${path}`, { method: 'POST', body: '{"all":true,"payload":1}' });
      expect(answer.status, path).toBe(403);
    }
    expect(await broker.queue('emails').deadLetters.peek()).toHaveLength(1);
  });

  it('with a configured token, reads need it too, and api/session does not hand it out', async () => {
    const url = await serve({ token: TOKEN });
    const session = (await call(`${url}api/session`)).json as Record<string, unknown>;
    expect(session).toMatchObject({ readOnly: false, tokenRequired: true });
    expect(session).not.toHaveProperty('token');
    expect((await call(`${url}api/queues`)).status).toBe(401);
    expect((await call(`${url}api/queues/emails/dead-letters`)).status).toBe(401);
    expect((await call(`${url}api/queues`, { token: TOKEN })).status).toBe(200);
  });

  it('every answer carries a strict Content-Security-Policy and no framing', async () => {
    const url = await serve();
    for (const path of ['', 'api/queues', 'nope']) {
      const answer = await call(`${url}${path}`);
      expect(answer.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('the page loads only its own files: no inline script or style, no other origin', async () => {
    const url = await serve();
    const html = (await call(url)).text;
    expect(html).toMatch(/<script type="module"[^>]* src="\.\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('hostile input gets a clear 4xx: a huge body, bad JSON, another content type, a bad queue name', async () => {
    const url = await serve();
    const token = await sessionToken(url);
    const send = 'api/queues/emails/jobs';
    const huge = await call(`${url}${send}`, {
      method: 'POST',
      token,
      body: JSON.stringify({ payload: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    expect(huge.status).toBe(413);
    const bad = await call(`${url}${send}`, { method: 'POST', token, body: '{"payload":' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
    const form = await call(`${url}${send}`, {
      method: 'POST',
      token,
      body: 'payload=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const missing = await call(`${url}${send}`, { method: 'POST', token, body: '{"nothing":1}' });
    expect(missing.status).toBe(400);
    const delay = await call(`${url}${send}`, { method: 'POST', token, body: '{"payload":1,"delayMs":-5}' });
    expect(delay.status).toBe(400);
    const name = await call(`${url}api/queues/${encodeURIComponent('bad name!')}/dead-letters`);
    expect(name.status).toBe(400);
    const paging = await call(`${url}api/queues/emails/dead-letters?limit=100000`);
    expect(paging.status).toBe(400);
    const malformed = await call(`${url}api/queues/%E0%A4%A/dead-letters`);
    expect(malformed.status).toBe(400);
  });

  it('a queue it does not show is refused (404), not created: a misspelt name sends nothing', async () => {
    const url = await serve();
    const token = await sessionToken(url);
    expect((await call(`${url}api/queues/emials/dead-letters`)).status).toBe(404);
    const sent = await call(`${url}api/queues/emials/jobs`, { method: 'POST', token, body: '{"payload":1}' });
    expect(sent.status).toBe(404);
    expect((await sent.json) as { error: { message: string } }).toMatchObject({
      error: { message: expect.stringContaining('emials') },
    });
    const queues = (await call(`${url}api/queues`)).json as { queues: { name: string }[] };
    expect(queues.queues.map((q) => q.name)).not.toContain('emials');
  });

  it('no file outside the built UI can be read', async () => {
    const url = await serve();
    for (const path of [
      '..%2fpackage.json',
      'assets/..%2f..%2f..%2fpackage.json',
      '%2e%2e/%2e%2e/package.json',
    ]) {
      const answer = await call(`${url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.text).not.toContain('"version"');
    }
  });

  it('without a token, a request naming a non-loopback Host is refused (DNS rebinding)', async () => {
    const url = await serve();
    // fetch may not set Host: a raw request, as a rebound page's browser would send it.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${url}api/queues`,
        { headers: { Host: 'evil.example' }, timeout: 5_000 },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject).end();
    });
    expect(status).toBe(421);
    expect((await call(`${url}api/queues`)).status).toBe(200);
  });

  it('mounted under a prefix, it redirects the bare prefix and serves below it', async () => {
    const dashboard = createDashboard({ broker, basePath: '/admin/queues/', queues: ['emails'] });
    const server = createServer((req, res) => dashboard(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
      const bare = await call(base);
      expect(bare.status).toBe(308);
      expect(bare.headers.get('location')).toBe('/admin/queues/');
      expect((await call(`${base}/`)).text).toContain('<div id="app">');
      const queues = (await call(`${base}/api/queues`)).json as { queues: { name: string }[] };
      expect(queues.queues.map((q) => q.name)).toEqual(['emails']);
    } finally {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('broker credentials never reach the browser', () => {
  const CREDS_PREFIX = runPrefix('dash-creds');
  let amqp: Broker;
  beforeAll(async () => {
    amqp = await connect(`${RABBITMQ_URL}?queue_prefix=${CREDS_PREFIX}`, { provision: false });
  });
  afterAll(async () => {
    await amqp?.close();
    await deleteEntities(CREDS_PREFIX);
  });

  it('neither the broker info nor an error answer holds the password', async () => {
    const dashboard = await serveDashboard({ broker: amqp, port: 0, queues: ['never-provisioned'] });
    served.push(dashboard);
    const [user, password] = new URL(RABBITMQ_URL).username
      ? [new URL(RABBITMQ_URL).username, new URL(RABBITMQ_URL).password]
      : ['', ''];
    const info = await call(`${dashboard.url}api/info`);
    expect(info.status).toBe(200);
    expect((info.json as { broker: { adapter: string } }).broker.adapter).toBe('amqp');
    const queues = await call(`${dashboard.url}api/queues`);
    const missing = await call(`${dashboard.url}api/queues/never-provisioned/dead-letters`);
    expect(missing.status).toBeGreaterThanOrEqual(400);
    for (const answer of [info, queues, missing]) {
      expect(answer.text).not.toContain(`${user}:${password}@`);
      expect(answer.text).not.toContain(RABBITMQ_URL);
    }
  });
});
