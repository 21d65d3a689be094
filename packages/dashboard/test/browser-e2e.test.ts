import { join } from 'node:path';
import { type Broker, connect, STATS_FIELDS, UnrecoverableError, type Worker } from '@polyqueue/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrefix as amqpPrefix, deleteEntities, RABBITMQ_URL } from '../../adapter-amqp/test/rabbitmq.js';
import { deleteStreams, NATS_URL, runPrefix as natsPrefix } from '../../adapter-nats/test/nats-server.js';
import { type ServedDashboard, serveDashboard } from '../src/index.js';
import { type Browser, launchBrowser } from './support/browser.js';
import { ensureUiBuilt } from './support/build-ui.js';
import { screenshotDir } from './support/screenshots.js';
import { servePage } from './support/serve-page.js';

// The dashboard in Debian's headless Chromium, against the shared RabbitMQ and NATS. Each broker
// gets queues under a prefix of this run only, deleted in afterAll. Every wait is bounded.
const XSS = '<img src=x onerror=alert(1)>';
const WAIT = { timeout: 15_000, interval: 200 };

interface Target {
  readonly name: string;
  readonly url: string;
  cleanUp(): Promise<void>;
  /** The run whose pictures go to docs/images/ (NATS: it gives all four counts). */
  readonly screenshots?: boolean;
}

const BROKERS: Target[] = [
  (() => {
    const prefix = amqpPrefix('dash');
    return {
      name: 'RabbitMQ',
      url: `${RABBITMQ_URL}?queue_prefix=${prefix}`,
      cleanUp: () => deleteEntities(prefix),
    };
  })(),
  (() => {
    const prefix = natsPrefix('dash');
    return {
      name: 'NATS',
      url: `${NATS_URL}?stream_prefix=${prefix}`,
      cleanUp: () => deleteStreams(prefix).then(() => undefined),
      screenshots: true,
    };
  })(),
  {
    name: 'memory',
    url: `memory://dashboard-e2e-${process.pid}`,
    cleanUp: async () => undefined,
  },
];

let browser: Browser;
/** A site of another origin, as one the operator might have open beside the dashboard. */
let attacker: { url: string; close(): Promise<void> };
const shots = screenshotDir();

beforeAll(async () => {
  await ensureUiBuilt();
  browser = await launchBrowser();
  attacker = await servePage('<!doctype html><title>another site</title><body></body>');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await attacker?.close();
  shots.cleanUp();
});

describe.each(BROKERS)('dashboard in Chromium on $name', (target) => {
  let producer: Broker;
  let viewer: Broker;
  let dashboard: ServedDashboard;
  let readOnly: ServedDashboard;
  let page: Page;
  const workers: Worker<unknown>[] = [];
  const alerts: string[] = [];
  /** Errors the page logged: a CSP violation (an inline style, a foreign origin), an uncaught throw. */
  const consoleErrors: string[] = [];

  /** The page as the docs show it: a laptop-wide window, as tall as its content. */
  const shoot = async (name: string, height = 600) => {
    if (target.screenshots !== true) return;
    const size = page.viewportSize();
    if (size !== null && size.width > 600) await page.setViewportSize({ width: 1200, height });
    await page.screenshot({ path: join(shots.dir, `dashboard-${name}.png`), fullPage: true });
    if (size !== null) await page.setViewportSize(size);
  };
  /** A worker that fails every job: with the payload's `error` when it has one, else an XSS. */
  const failing = (queue: string) =>
    producer.queue(queue, { maxAttempts: 1 }).process(async (job) => {
      const planned = (job.payload as { error?: { name: string; message: string } }).error;
      if (planned === undefined) throw new Error(`template rendering failed near ${XSS}`);
      if (planned.name === 'UnrecoverableError') throw new UnrecoverableError(planned.message);
      const error =
        planned.name === 'TypeError' ? new TypeError(planned.message) : new Error(planned.message);
      throw error;
    });
  const deadLetterCount = async (queue: string) => (await producer.queue(queue).deadLetters.peek()).length;

  beforeAll(async () => {
    producer = await connect(target.url);
    for (const queue of ['emails', 'reports', 'invoices'])
      await producer.queue(queue, { maxAttempts: 1 }).provision();
    // The dashboard's own connection, as `polyqueue dashboard` opens it: it creates nothing.
    viewer = await connect(target.url, { provision: false });
    const options = { broker: viewer, port: 0, queues: ['emails', 'reports', 'invoices'], refreshMs: 500 };
    dashboard = await serveDashboard(options);
    readOnly = await serveDashboard({ ...options, readOnly: true });
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('dialog', (dialog) => {
      alerts.push(dialog.message());
      void dialog.dismiss();
    });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await Promise.all(workers.map((w) => w.close()));
    await dashboard?.close();
    await readOnly?.close();
    await viewer?.close();
    await producer?.close();
    await target.cleanUp();
  }, 60_000);

  it('the queues page shows counts changing while a producer sends', async () => {
    const started = performance.now();
    await page.goto(`${dashboard.url}#/queues`);
    const ready = page.locator('tr[data-queue="emails"] td[data-field="ready"]');
    await ready.getByText('0', { exact: true }).waitFor();
    console.log(
      `[dashboard] ${target.name}: queues page first render ${Math.round(performance.now() - started)} ms`,
    );
    for (let n = 1; n <= 3; n++) {
      await producer.queue('emails').send({ to: `user${n}@example.com` });
      await expect.poll(() => ready.textContent(), WAIT).toBe(String(n));
    }
    await producer.queue('invoices').send({ invoice: 1042 }, { delay: 3_600_000 });
  });

  it('a count the broker cannot tell reads n/a with the reason on hover, never 0', async () => {
    await page.goto(`${dashboard.url}#/queues`);
    const row = page.locator('tr[data-queue="emails"]');
    await row.locator('td[data-field="ready"]').getByText(/^\d+$/).waitFor();
    for (const field of STATS_FIELDS) {
      const cell = row.locator(`td[data-field="${field}"]`);
      if (viewer.capabilities.stats.includes(field)) {
        expect(await cell.textContent(), field).toMatch(/^\d+$/);
        continue;
      }
      expect(await cell.textContent(), field).toBe('n/a');
      expect(await cell.locator('abbr').getAttribute('title')).toMatch(/cannot tell the .* count/);
    }
  });

  it('is usable from the keyboard: Tab reaches a queue link, Enter opens its dead letters', async () => {
    await page.goto(`${dashboard.url}#/queues`);
    await page.locator('tr[data-queue="emails"]').waitFor();
    const focused = () => page.evaluate('document.activeElement?.textContent ?? ""');
    for (let presses = 0; presses < 20 && (await focused()) !== 'emails'; presses++)
      await page.keyboard.press('Tab');
    expect(await focused()).toBe('emails');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/queues\/emails\/dead-letters$/);
    await page.getByRole('heading', { name: /Dead letters of/ }).waitFor();
  });

  it('a dead letter opens to its error and payload, shown as text (the XSS payload stays text)', async () => {
    const worker = failing('reports');
    await producer.queue('reports').send({ report: 'weekly', html: XSS }, { attributes: { tenant: 'acme' } });
    await expect.poll(() => deadLetterCount('reports'), WAIT).toBe(1);
    await worker.close();
    // The queues page counts it.
    await page.goto(`${dashboard.url}#/queues`);
    const deadLettered = page.locator('tr[data-queue="reports"] td[data-field="deadLettered"]');
    await expect.poll(() => deadLettered.textContent(), WAIT).toBe('1');
    await shoot('queues');
    await page.goto(`${dashboard.url}#/queues/reports/dead-letters`);
    const row = page.locator('table.dead-letters tbody tr');
    await expect.poll(() => row.count(), WAIT).toBe(1);
    await row.getByRole('button').click();
    const dialog = page.getByRole('dialog', { name: 'Dead letter' });
    await expect
      .poll(() => dialog.locator('.error-message').textContent(), WAIT)
      .toBe(`template rendering failed near ${XSS}`);
    expect(await dialog.locator('.error-name').textContent()).toBe('Error');
    expect(await dialog.locator('pre.payload').textContent()).toContain(`"html": "${XSS}"`);
    expect(await dialog.getByRole('row', { name: /tenant/ }).textContent()).toContain('acme');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await shoot('dead-letter', 780);
    expect(alerts).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count(), WAIT).toBe(0);
  });

  it('redrive all moves it back, and a worker processes it', async () => {
    const processed: unknown[] = [];
    workers.push(
      producer.queue('reports', { maxAttempts: 1 }).process(async (job) => {
        processed.push(job.payload);
      }),
    );
    await page.getByRole('button', { name: 'Redrive all' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Redrive dead letters?' });
    await confirm.getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), WAIT)
      .toContain('Redrove 1 dead letter(s)');
    await expect.poll(() => processed, WAIT).toEqual([{ report: 'weekly', html: XSS }]);
    await expect.poll(() => page.locator('table.dead-letters tbody tr').count(), WAIT).toBe(0);
  });

  it('purge deletes the dead letters, after a confirmation', async () => {
    await workers.pop()?.close();
    const worker = failing('reports');
    const errors = [
      { name: 'Error', message: 'PDF renderer timed out after 30000 ms' },
      { name: 'TypeError', message: "Cannot read properties of undefined (reading 'total')" },
      { name: 'UnrecoverableError', message: 'report template "q3-summary" does not exist' },
    ];
    for (const [n, error] of errors.entries()) await producer.queue('reports').send({ report: n, error });
    await expect.poll(() => deadLetterCount('reports'), WAIT).toBe(3);
    await worker.close();
    await page.goto(`${dashboard.url}#/queues/reports/dead-letters`);
    await page.reload();
    const rows = page.locator('table.dead-letters tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    await shoot('dead-letters');
    // The filters: by text in the error, then by reason.
    const shown = () => rows.allTextContents();
    await page.getByLabel('Error text').fill('TIMED OUT');
    await expect.poll(shown, WAIT).toEqual([expect.stringContaining('PDF renderer timed out')]);
    await page.getByLabel('Error text').fill('');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    await page.getByLabel('Reason').selectOption('unrecoverable');
    await expect.poll(shown, WAIT).toEqual([expect.stringContaining('"q3-summary" does not exist')]);
    await page.getByLabel('Reason').selectOption('');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    await page.getByRole('button', { name: 'Purge' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Purge dead letters?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await deadLetterCount('reports')).toBe(3);
    await page.getByRole('button', { name: 'Purge' }).click();
    await confirm.getByRole('button', { name: 'Purge' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), WAIT)
      .toContain('Purged 3 dead letter(s)');
    expect(await deadLetterCount('reports')).toBe(0);
  });

  it('redrive one (from its dialog) and the selected', async () => {
    const worker = failing('reports');
    for (const report of ['x', 'y', 'z']) await producer.queue('reports').send({ report });
    await expect.poll(() => deadLetterCount('reports'), WAIT).toBe(3);
    await worker.close();
    await page.goto(`${dashboard.url}#/queues/reports/dead-letters`);
    await page.reload();
    const rows = page.locator('table.dead-letters tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    const processed: unknown[] = [];
    workers.push(
      producer.queue('reports', { maxAttempts: 1 }).process(async (job) => {
        processed.push(job.payload);
      }),
    );
    await rows.first().getByRole('button').click();
    await page.getByRole('dialog', { name: 'Dead letter' }).getByRole('button', { name: 'Redrive' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), WAIT)
      .toContain('Redrove 1 dead letter(s)');
    await expect.poll(() => processed.length, WAIT).toBe(1);
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    for (const box of await page.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Redrive selected (2)' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Redrive' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent(), WAIT)
      .toContain('Redrove 2 dead letter(s)');
    await expect.poll(() => processed.length, WAIT).toBe(3);
    expect(processed).toEqual(expect.arrayContaining([{ report: 'x' }, { report: 'y' }, { report: 'z' }]));
    await workers.pop()?.close();
  });

  it('the send form validates the JSON, then sends with attributes', async () => {
    const received: { payload: unknown; attributes: unknown }[] = [];
    workers.push(
      producer.queue('emails').process(async (job) => {
        received.push({ payload: job.payload, attributes: job.attributes });
      }),
    );
    await page.goto(`${dashboard.url}#/send?queue=emails`);
    const payload = page.getByLabel('Payload (JSON)');
    const send = page.getByRole('button', { name: 'Send', exact: true });
    await payload.fill('{"to": "ada@example.com",');
    await page.getByText(/^Invalid JSON/).waitFor();
    expect(await send.isDisabled()).toBe(true);
    await payload.fill('{"to": "ada@example.com", "template": "welcome"}');
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.getByLabel('Attribute 1 name').fill('tenant');
    await page.getByLabel('Attribute 1 value').fill('acme');
    await shoot('send');
    await send.click();
    await expect.poll(() => page.getByRole('status').textContent(), WAIT).toMatch(/^Sent to emails: job \S+/);
    await expect
      .poll(() => received.find((r) => (r.payload as { template?: string }).template === 'welcome'), WAIT)
      .toMatchObject({ payload: { to: 'ada@example.com' }, attributes: { tenant: 'acme' } });
  });

  it('the broker page shows the adapter, its capabilities and health, without credentials', async () => {
    await page.goto(`${dashboard.url}#/broker`);
    await page.getByText(/^connected/).waitFor();
    expect(await page.locator('table.capabilities tbody tr').count()).toBeGreaterThan(5);
    expect(await page.content()).not.toMatch(/guest:guest|\/\/[^/*\s]+:[^/*\s]+@/);
    await shoot('broker');
  });

  it('a mutation without the token, or from a foreign origin, is refused in the browser', async () => {
    const worker = failing('reports');
    await producer.queue('reports').send({ report: 'kept' });
    await expect.poll(() => deadLetterCount('reports'), WAIT).toBe(1);
    await worker.close();
    const purge = `${dashboard.url}api/queues/reports/dead-letters/purge`;
    await page.goto(`${dashboard.url}#/queues`);
    const noToken = await page.evaluate(
      async (url) =>
        (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }))
          .status,
      purge,
    );
    expect(noToken).toBe(401);
    // A page of another origin (a site the operator visits) cannot learn the token; a fetch
    // with a guessed one is stopped at its CORS preflight, and a form post, which needs no
    // preflight, is refused for its Origin.
    await page.goto(attacker.url);
    const crossSite = await page.evaluate(
      `fetch(${JSON.stringify(purge)}, { method: 'POST', headers: { Authorization: 'Bearer guess', 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status, () => 'blocked')`,
    );
    expect(crossSite).toBe('blocked');
    const formAnswer = page.waitForResponse((response) => response.url() === purge);
    await page.evaluate(
      `(() => { const f = document.createElement('form'); f.method = 'POST'; f.action = ${JSON.stringify(purge)}; f.enctype = 'text/plain'; document.body.append(f); f.submit(); })()`,
    );
    expect((await formAnswer).status()).toBe(403);
    await page.waitForURL(purge);
    expect(await deadLetterCount('reports')).toBe(1);
  });

  it('read-only shows no action and the server refuses the POST', async () => {
    await page.goto(`${readOnly.url}#/queues/reports/dead-letters`);
    await expect.poll(() => page.locator('table.dead-letters tbody tr').count(), WAIT).toBe(1);
    expect(await page.getByText('read-only', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /Redrive|Purge/ }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Send a job' }).count()).toBe(0);
    await page.locator('table.dead-letters tbody tr').getByRole('button').click();
    expect(await page.getByRole('dialog').getByRole('button', { name: 'Redrive' }).count()).toBe(0);
    const status = await page.evaluate(
      async (url) =>
        (
          await fetch(url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"all":true}',
          })
        ).status,
      `${readOnly.url}api/queues/reports/dead-letters/redrive`,
    );
    expect(status).toBe(403);
    expect(await deadLetterCount('reports')).toBe(1);
  });

  it('with a token, the page asks for it, refuses a wrong one, then shows the queues', async () => {
    const token = `e2e-${'t'.repeat(20)}`;
    const guarded = await serveDashboard({
      broker: viewer,
      port: 0,
      queues: ['emails'],
      refreshMs: 500,
      token,
    });
    const fresh = await browser.context.newPage();
    try {
      await fresh.goto(`${guarded.url}#/queues`);
      const field = fresh.getByLabel('Token');
      await field.fill('not-the-token-at-all');
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await fresh.getByRole('alert').getByText('That token is not this dashboard’s.').waitFor();
      await field.fill(token);
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await fresh.locator('tr[data-queue="emails"]').waitFor();
    } finally {
      await fresh.close();
      await guarded.close();
    }
  });

  it('at phone width the queues page fits the screen (tables scroll inside their frame)', async () => {
    await page.setViewportSize({ width: 390, height: 780 });
    try {
      await page.goto(`${dashboard.url}#/queues`);
      await page.locator('tr[data-queue="emails"]').waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await shoot('phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('never broke its Content-Security-Policy nor threw, in all of the above', () => {
    // The refused requests of the tests above log errors of their own (CORS, 401, 403): not these.
    expect(consoleErrors.filter((text) => /Content Security Policy|^uncaught/.test(text))).toEqual([]);
  });
});
