/**
 * `npm run bench [-- --quick] [-- --suite memory] [-- --jobs 500000] [-- --json path]`
 *
 * Prints one table for every suite that ran and writes the same rows as JSON. Progress goes to
 * stderr, so `npm run bench > table.md` captures only the table.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareWithPolyqueue, printTable, type Row, runInfo, writeJson } from './report.js';
import type { SuiteOptions } from './suite.js';
import { suites } from './suites/index.js';

// Beside src/ and dist/ alike, whichever directory the bench is started from.
const DEFAULT_JSON = fileURLToPath(new URL('../results/latest.json', import.meta.url));

/** Help loads every suite for its description: only `--help` pays for all of them. */
const help = async () => `Usage: npm run bench -- [options]

  --suite <name>   run one suite (repeatable); default: all
${(await Promise.all(suites.map((s) => s.load())))
  .map((s) => `                     ${s.name}: ${s.description}`)
  .join('\n')}
  --jobs <n>       jobs per throughput case (default 500000; --quick 100000)
  --rss-jobs <n>   jobs in the long streaming run that traces RSS (default 1000000; --quick 200000)
  --json <path>    where to write the results (default bench/results/latest.json)
  --quick          smaller sizes, for a check in about ten seconds
  --help`;

const { values } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    'rss-jobs': { type: 'string' },
    json: { type: 'string', default: DEFAULT_JSON },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(await help());
  process.exit(0);
}

function count(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag} must be a whole number >= 1, got "${text}"`);
  return n;
}

const quick = values.quick;
const options: SuiteOptions = {
  jobs: count(values.jobs, quick ? 100_000 : 500_000, '--jobs'),
  rssJobs: count(values['rss-jobs'], quick ? 200_000 : 1_000_000, '--rss-jobs'),
  repeats: quick ? 1 : 3,
  concurrency: 64,
  batchSize: 1_000,
  pacedRate: 50_000,
  pacedSeconds: quick ? 1 : 3,
  log: (line) => console.error(`[bench] ${line}`),
};

const wanted = values.suite ?? suites.map((s) => s.name);
const unknown = wanted.filter((name) => !suites.some((s) => s.name === name));
if (unknown.length > 0)
  throw new Error(`Unknown suite(s) ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);

const info = runInfo();
options.log(`node ${info.node}, ${info.cores} cores (${info.cpuModel}), ${quick ? 'quick' : 'full'} run`);
const rows: Row[] = [];
for (const entry of suites.filter((s) => wanted.includes(s.name))) {
  const suite = await entry.load();
  const reason = await suite.unavailable?.();
  if (reason !== undefined) {
    // Loud, like the conformance suite: a missing broker is reported, never silently dropped.
    options.log(`SKIPPED ${suite.name}: ${reason}`);
    continue;
  }
  rows.push(...(await suite.run(options)));
}

const compared = compareWithPolyqueue(rows);
printTable(compared);
const jsonPath = resolve(values.json);
await writeJson(jsonPath, info, compared);
options.log(`wrote ${jsonPath}`);
