#!/usr/bin/env node
// Writes docs/cli.md from a real run: every example below is the built `polyqueue` binary run
// against the NATS of scripts/services.sh (127.0.0.1:4222), so the page cannot drift from the
// code. Run after `npx tsc -b`: node packages/cli/scripts/generate-docs.mjs
// Its streams carry a unique prefix and are deleted at the end.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect } from '@polyqueue/core';

// The NATS client is the adapter's dependency, not the CLI's: load it from there for the clean-up.
const fromAdapter = createRequire(new URL('../../adapter-nats/package.json', import.meta.url));
const load = (name) => import(pathToFileURL(fromAdapter.resolve(name)).href);
const { jetstreamManager } = await load('@nats-io/jetstream');
const { connect: natsConnect } = await load('@nats-io/transport-node');

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const DOC = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));
const ROOT = new URL('../../../', import.meta.url).href;
const prefix = `pqdoc-${randomBytes(3).toString('hex')}`;
const url = `nats://127.0.0.1:4222?stream_prefix=${prefix}`;
// The broker `move` moves to: the same NATS under a prefix of its own (<prefix>new in the page).
const newUrl = `nats://127.0.0.1:4222?stream_prefix=${prefix}new`;

/** Runs the CLI as a user would (QUEUE_URL set, no colour, stdin a pipe); returns a shell transcript. */
function run(args, { stdin = '', env = {} } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, QUEUE_URL: url, NO_COLOR: '1', ...env },
    input: stdin,
    encoding: 'utf8',
  });
  const shown = args
    .map((a) => (/[\s{}"'?]/.test(a) ? `'${a}'` : a))
    .join(' ')
    .replaceAll(prefix, '<prefix>');
  const pipe = stdin === '' ? '' : `echo '${stdin}' | `;
  // The run's stream prefix and this checkout's path would make every regeneration a diff.
  const text = `${result.stdout}${result.stderr}`
    .replaceAll(prefix, '<prefix>')
    .replaceAll(ROOT, '')
    .trimEnd();
  return `$ ${pipe}polyqueue ${shown}\n${text}\n# exit code ${result.status}`;
}
const EXIT_CODES = [
  ['Code', 'Meaning'],
  ['0', 'done (`inspect`: the broker answered)'],
  ['1', 'the operation failed: unreachable broker, refused credentials, unknown queue, broker error'],
  [
    '2',
    'usage error: bad option, bad JSON, bad `--delay`, `purge` without `--yes` when stdin is not a terminal',
  ],
  ['130', '`move` stopped by Ctrl-C: what it held is back on the source; run it again to go on'],
];
/** A Markdown table with padded columns, as the repository's formatter writes them. */
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
}
const block = (text) => `\`\`\`console\n${text}\n\`\`\``;

const broker = await connect(url);
try {
  const emails = broker.queue('emails', { maxAttempts: 1 });
  await emails.provision();
  const worker = emails.process(async (job) => {
    throw new Error(`mailbox full for ${job.payload.to}`);
  });
  await emails.send({ to: 'ada@example.com' }, { attributes: { tenant: 'acme' } });
  await emails.send({ to: 'bob@example.com' });
  while ((await emails.deadLetters.peek()).length < 2) await new Promise((r) => setTimeout(r, 100));
  await worker.close();
  // The new broker's queue exists once its workers run (docs/migrating-brokers.md, step 1).
  const newBroker = await connect(newUrl);
  await newBroker.queue('emails').provision();
  await newBroker.close();

  const sections = [
    [
      'Check a broker: `inspect`',
      [run(['inspect']), run(['inspect', '--url', 'nats://ops:s3cret@127.0.0.1:1'])],
    ],
    ['Queues: `queues`', [run(['queues']), run(['queues', '--json'])]],
    ['Counts: `stats`', [run(['stats', 'emails']), run(['stats', 'emails', '--json']), run(['stats'])]],
    [
      'Dead letters: `peek`',
      [run(['peek', 'emails', '--limit', '1']), run(['peek', 'emails', '--limit', '1', '--json'])],
    ],
    ['Redrive: `redrive`', [run(['redrive', 'emails', '--limit', '1'])]],
    ['Purge: `purge`', [run(['purge', 'emails']), run(['purge', 'emails', '--yes'])]],
    [
      'Send a job: `send`',
      [
        run([
          'send',
          'emails',
          '{"to":"cy@example.com"}',
          '--delay',
          '10m',
          '--attr',
          'tenant=acme',
          '--json',
        ]),
        run(['send', 'emails', '-'], { stdin: '{"to":"dee@example.com"}' }),
        run(['send', 'emails', '{to:}']),
        run(['send', 'emails', '{}', '--delay', 'soon']),
      ],
    ],
    [
      'Move to another broker: `move`',
      [
        run(['move', 'emails', '--from', url, '--to', newUrl, '--limit', '1', '--json']),
        run(['move', 'emails', '--from', url, '--to', newUrl]),
        run(['move', 'emails', '--from', url, '--to', newUrl, '--rate', 'fast']),
      ],
    ],
    ['Unknown queue', [run(['peek', 'no-such-queue'])]],
  ];
  const help = ['inspect', 'queues', 'stats', 'peek', 'redrive', 'purge', 'send', 'move', 'dashboard'].map(
    (c) => run([c, '--help']),
  );
  const page = [
    '# polyqueue CLI',
    '',
    '<!-- Generated by packages/cli/scripts/generate-docs.mjs from a real run against NATS. Do not edit by hand. -->',
    '',
    '`@polyqueue/cli` installs the `polyqueue` command. The broker URL comes from `--url` or `QUEUE_URL`;',
    'the adapter is the one `connect()` picks for it (install it beside the CLI). Results go to stdout,',
    'as one JSON object per line with `--json`; progress, logs and errors go to stderr. `NO_COLOR` is',
    'respected, and credentials are masked in every line. The CLI connects with provisioning off: a',
    'misspelt queue name is reported as unknown, never created. A count the broker cannot tell (see',
    "each adapter README's Characteristics) shows as `n/a`, and as `null` in JSON: never as 0.",
    '`move` takes a queue from one broker to another: see [Moving to another broker](migrating-brokers.md).',
    '`dashboard` serves the same operations as a web page: see [Dashboard](dashboard.md). With',
    '`--verbose`, a failure prints the stack and causes of the error after its one line.',
    '',
    '## Exit codes',
    '',
    ...table(EXIT_CODES),
    '',
    block(run(['--help'])),
    '',
    ...sections.flatMap(([title, runs]) => [`## ${title}`, '', ...runs.flatMap((r) => [block(r), '']), '']),
    '## Help of each command',
    '',
    ...help.flatMap((h) => [block(h), '']),
  ];
  writeFileSync(
    DOC,
    `${page
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd()}\n`,
  );
} finally {
  await broker.close();
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names())
    if (name.startsWith(`${prefix}_`) || name.startsWith(`${prefix}new_`)) await jsm.streams.delete(name);
  await nc.close();
}
