// Checks of one tarball on its own, before anything installs it.
import { join } from 'node:path';
import { readmeInstallNames, relativeLinks } from './packages.mjs';
import { run } from './run.mjs';

/**
 * Returns { problems, publint, attw } for the package `p` packed as `manifest` (an entry of
 * `npm pack --json`). `bin(name)` is the path of a workspace tool.
 */
export async function checkTarball(p, manifest, { tarballs, bin, cwd }) {
  const file = join(tarballs, manifest.filename);
  const problems = contentProblems(p, new Set(manifest.files.map((f) => f.path)));
  // --strict: publint's warnings fail too (none today; keep it that way).
  const publint = await run(bin('publint'), ['run', file, '--strict'], { cwd, timeoutMs: 60_000 });
  // The esm-only profile ignores two of attw's four resolutions, for these packages are ESM only:
  // - node10: TypeScript before `exports` (moduleResolution node/node10), which cannot see
  //   subpath entry points at all;
  // - node16 from CJS: attw (on TypeScript 5.6) calls a require() of ESM an error, as Node was
  //   before 20.19; the CommonJS smoke and the .cts type-check prove require(esm) instead.
  // node16 from ESM and bundler stay checked, with every rule on.
  const attw = await run(
    bin('attw'),
    [file, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'],
    { cwd, timeoutMs: 60_000 },
  );
  return { problems, publint, attw };
}

/** What the tarball must hold beyond what publint checks, and README links npmjs.com can follow. */
function contentProblems(p, files) {
  const problems = [];
  // Every condition's target, the workspace's @polyqueue/source (src/*.ts) included: a user
  // who sets that condition must not meet a missing file either.
  for (const [entry, conditions] of Object.entries(p.pkg.exports ?? {})) {
    for (const [condition, target] of Object.entries(conditions)) {
      if (!files.has(target.replace(/^\.\//, '')))
        problems.push(`exports["${entry}"]["${condition}"] -> ${target} is not in the tarball`);
    }
  }
  for (const required of ['LICENSE', 'README.md', 'package.json'])
    if (!files.has(required)) problems.push(`${required} is not in the tarball`);
  for (const file of files)
    if (file.endsWith('.tsbuildinfo')) problems.push(`${file}: build info is not for users`);
  const links = relativeLinks(p.readme);
  if (links.length)
    problems.push(`README links that break on npmjs.com (make them absolute): ${links.join(', ')}`);
  const named = readmeInstallNames(p.readme);
  if (named === undefined) problems.push('README has no "## Install" section naming what to install');
  // A peer is the user's to install: the README's install command must name every required one
  // (the scratch project installs what the README names, nothing more).
  const optional = p.pkg.peerDependenciesMeta ?? {};
  const unnamed = Object.keys(p.pkg.peerDependencies ?? {}).filter(
    (n) => !optional[n]?.optional && !named?.includes(n),
  );
  if (unnamed.length)
    problems.push(`README's install command does not name the peer(s) ${unnamed.join(', ')}`);
  problems.push(...metadataProblems(p));
  return problems;
}

/**
 * The package.json fields every published package carries (a new adapter copies them from an
 * existing one): where its source and issues are, what it runs on, what it ships.
 */
function metadataProblems({ dir, pkg }) {
  const expected = {
    license: pkg.license === 'MIT',
    'repository.directory': pkg.repository?.directory === dir.split('\\').join('/'),
    homepage: typeof pkg.homepage === 'string',
    'bugs.url': typeof pkg.bugs?.url === 'string',
    'engines.node': typeof pkg.engines?.node === 'string',
    files: Array.isArray(pkg.files),
    sideEffects: pkg.sideEffects !== undefined,
    keywords: Array.isArray(pkg.keywords) && pkg.keywords.length > 0,
    'scripts.prepack': typeof pkg.scripts?.prepack === 'string',
  };
  return Object.entries(expected)
    .filter(([, ok]) => !ok)
    .map(([field]) => `package.json: ${field} missing or wrong`);
}
