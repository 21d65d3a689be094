#!/usr/bin/env node
// `npm run test:pack`: installs the packages the way a user would, from the tarballs `npm pack`
// makes, into a project outside this workspace, and uses them there. Tests in the workspace
// cannot catch a tarball without dist/, a forgotten file or dependency, or types that only
// resolve through the workspace's own tsconfig: they never see a tarball.
//
//   1. pack every published package (its prepack brings dist/ up to date) into a temp dir;
//   2. check each tarball: dist/ behind every export, LICENSE, README links that work on
//      npmjs.com, publint, and attw (are the types wrong?) with its ESM-only profile;
//   3. `npm install` the tarballs into a scratch project, with only the peers each README names,
//      at the versions the workspace lockfile pins (the rest as of its last commit);
//   4. an ESM and a CommonJS smoke there: memory:// send, process, dead-letter, peek, and every
//      entry point and README peer loaded;
//   5. a consumer .ts type-checked under moduleResolution nodenext (with a .cts) and bundler.
// 2 runs alongside 3 to 5. Bounded in time; removes its temp dir (POLYQUEUE_PACK_KEEP=1 keeps it).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertIsolated,
  installArguments,
  unresolvedMapSources,
  withReadmePeers,
  writeFixtures,
} from './consumer-project.mjs';
import { lockCommitDate, lockedVersions, publishablePackages } from './packages.mjs';
import { killAll, mapLimit, run } from './run.mjs';
import { checkTarball } from './tarball-checks.mjs';

const DEADLINE_MS = 5 * 60_000;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const started = performance.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const indent = (text) => text.trimEnd().replace(/^/gm, '    | ');
const failures = [];
const rows = [];

const work = mkdtempSync(join(tmpdir(), 'polyqueue-pack-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'consumer');
mkdirSync(tarballs);
mkdirSync(project);

function cleanUp() {
  if (process.env.POLYQUEUE_PACK_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
function stop(reason) {
  console.error(`test:pack: ${reason}; stopping`);
  killAll();
  cleanUp();
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stop(signal));
const deadline = setTimeout(() => stop(`not done after ${seconds(DEADLINE_MS)}`), DEADLINE_MS);

/**
 * Runs a step; a non-zero exit is a failure, shown with the tool's own output. With showOutput,
 * a passing step's output (what a smoke checked, a warning) is shown too.
 */
async function step(label, command, args, options, { showOutput = false } = {}) {
  const result = await run(command, args, options);
  const ok = result.code === 0;
  const lines = [`${ok ? 'ok  ' : 'FAIL'} ${label} (${seconds(result.ms)})`];
  const output = `${result.stdout}${result.stderr}`;
  if (!ok) failures.push(label);
  if (!ok || (showOutput && output.trim()))
    lines.push(indent(ok ? output : `exit ${result.code}\n${output}`));
  console.log(lines.join('\n'));
  return result;
}

/** Step 2 for one package: a row of the summary table. */
async function checkOne(p, manifest) {
  const { problems, publint, attw } = await checkTarball(p, manifest, { tarballs, bin, cwd: work });
  for (const problem of problems) failures.push(`${p.name}: ${problem}`);
  for (const [tool, result] of [
    ['publint', publint],
    ['attw', attw],
  ]) {
    if (result.code === 0) continue;
    failures.push(`${p.name}: ${tool}`);
    console.log(`FAIL ${tool} ${manifest.filename}\n${indent(result.stdout + result.stderr)}`);
  }
  const verdict = (ok) => (ok ? 'ok' : 'FAIL');
  const size = `${(manifest.size / 1024).toFixed(1)} kB`;
  rows.push([
    p.name,
    size,
    String(manifest.entryCount),
    verdict(!problems.length),
    verdict(publint.code === 0),
    verdict(attw.code === 0),
  ]);
}

/** Steps 3 to 5. */
async function useAsConsumer(specs, lock) {
  const tarballPaths = readdirSync(tarballs).map((file) => join(tarballs, file));
  const install = installArguments(project, specs, tarballPaths, lock);
  const asOf = lock.before ? `, the rest as of ${lock.before}` : '';
  const label = `npm install ${tarballPaths.length} tarballs + ${install.pinned.join(' ')}${asOf}`;
  const installed = await step(label, 'npm', install.args, { cwd: project, timeoutMs: 240_000 });
  if (installed.code !== 0) return;
  const unresolved = unresolvedMapSources(
    project,
    specs.map((p) => p.name),
  );
  if (unresolved.length)
    failures.push(`source maps point at files not shipped: ${unresolved.slice(0, 5).join(', ')}`);
  console.log(
    `${unresolved.length ? 'FAIL' : 'ok  '} source and declaration maps resolve into the shipped src/`,
  );
  writeFixtures(project, join(here, 'consumer'), specs);
  const checks = [
    ['ESM smoke (node smoke.mjs)', ['smoke.mjs']],
    ['CommonJS smoke (node smoke.cjs, require(esm))', ['smoke.cjs']],
    [
      'tsc, moduleResolution nodenext (consumer.ts, .cts, every entry)',
      [tsc, '-p', 'tsconfig.nodenext.json'],
    ],
    ['tsc, moduleResolution bundler (consumer.ts, every entry)', [tsc, '-p', 'tsconfig.bundler.json']],
  ];
  await mapLimit(checks, 2, ([name, args]) =>
    step(name, process.execPath, args, { cwd: project, timeoutMs: 120_000 }, { showOutput: true }),
  );
}

try {
  assertIsolated(project, root);
  const packages = publishablePackages(root);
  const workspaces = packages.flatMap(({ dir }) => ['--workspace', dir]);
  const packArgs = ['pack', ...workspaces, '--json', '--pack-destination', tarballs];
  const packed = await step('npm pack (prepack builds dist/)', 'npm', packArgs, {
    cwd: root,
    timeoutMs: 180_000,
  });
  if (packed.code !== 0) throw new Error('npm pack failed');
  const manifests = new Map(JSON.parse(packed.stdout).map((manifest) => [manifest.name, manifest]));
  // allSettled: one side failing must not remove the temp dir under the other, still running.
  const settled = await Promise.allSettled([
    mapLimit(packages, 2, (p) => checkOne(p, manifests.get(p.name))),
    useAsConsumer(withReadmePeers(packages), {
      lockVersion: lockedVersions(root),
      before: lockCommitDate(root),
    }),
  ]);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
} catch (error) {
  failures.push(error.message);
  console.log(`FAIL ${error.message}`);
} finally {
  clearTimeout(deadline);
  cleanUp();
}
printSummary();
process.exitCode = failures.length ? 1 : 0;

function printSummary() {
  const header = ['package', 'tarball', 'files', 'contents', 'publint', 'attw'];
  const table = [header, ...rows.sort((a, b) => a[0].localeCompare(b[0]))];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  const took = seconds(performance.now() - started);
  if (failures.length)
    console.log(`\ntest:pack FAILED in ${took}:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  else console.log(`\ntest:pack passed in ${took}`);
}
