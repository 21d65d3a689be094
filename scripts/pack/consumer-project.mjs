// The scratch project that installs the tarballs as a user would, outside the workspace.
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readmeInstallNames } from './packages.mjs';

/**
 * Each package with the peers its README's Install section names. Optional peers stay out: the
 * smokes then prove that a package loads without them.
 */
export function withReadmePeers(packages) {
  const optional = (p, name) => p.pkg.peerDependenciesMeta?.[name]?.optional === true;
  return packages.map((p) => ({
    ...p,
    peers: (readmeInstallNames(p.readme) ?? []).filter(
      (n) => !n.startsWith('@polyqueue/') && !optional(p, n),
    ),
  }));
}

/**
 * The `npm install` arguments: the tarballs, the README peers at the versions the workspace
 * lockfile pins (reproducible), and @types/node for the type-check (every Node TypeScript
 * project has it; it is no peer); the rest as of `before` (see lockCommitDate). Writes the
 * project's package.json.
 */
export function installArguments(project, specs, tarballPaths, { lockVersion, before }) {
  const names = [...new Set([...specs.flatMap((p) => p.peers), '@types/node'])];
  const unpinned = names.filter((name) => !lockVersion(name));
  if (unpinned.length)
    throw new Error(`not in package-lock.json, so no reproducible version: ${unpinned.join(', ')}`);
  const pinned = names.map((name) => `${name}@${lockVersion(name)}`);
  const manifest = { name: 'polyqueue-pack-consumer', private: true, type: 'module' };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // --legacy-peer-deps: npm would otherwise install missing peers by itself and hide a peer that
  // a README forgets to name. --prefer-offline: the npm cache answers what it can.
  const flags = ['--no-audit', '--no-fund', '--no-package-lock', '--legacy-peer-deps', '--prefer-offline'];
  if (before) flags.push(`--before=${before}`);
  return { pinned, args: ['install', ...flags, '--loglevel=error', ...tarballPaths, ...pinned] };
}

/** Copies the smokes and consumer files, and tells them which entry points and peers exist. */
export function writeFixtures(project, fixtures, specs) {
  for (const file of readdirSync(fixtures)) copyFileSync(join(fixtures, file), join(project, file));
  const loadable = specs.map(({ name, entries, peers }) => ({ name, entries, peers }));
  writeFileSync(join(project, 'packages.json'), JSON.stringify(loadable, null, 2));
  const entries = specs.flatMap((p) => p.entries);
  const lines = [
    '// Every entry point must have types: a missing one is an implicit-any error under strict.',
    ...entries.map((entry, i) => `import * as e${i} from '${entry}';`),
    `export const entries = [${entries.map((_, i) => `e${i}`).join(', ')}];`,
  ];
  writeFileSync(join(project, 'entries.ts'), `${lines.join('\n')}\n`);
}

/**
 * Node resolves a bare import by walking up every parent directory's node_modules: a scratch
 * project below one (the workspace, or a stray /tmp/node_modules) could pass on packages it never
 * installed.
 */
export function assertIsolated(project, workspaceRoot) {
  if (!relative(workspaceRoot, project).startsWith('..'))
    throw new Error(`scratch project ${project} is inside the workspace`);
  for (let parent = dirname(project); ; parent = dirname(parent)) {
    if (existsSync(join(parent, 'node_modules')))
      throw new Error(`${parent}/node_modules would leak into the scratch project; set TMPDIR elsewhere`);
    if (parent === dirname(parent)) return;
  }
}

/**
 * src/ ships on purpose: the source and declaration maps in dist/ point into it, so a debugger,
 * a stack trace (--enable-source-maps) and "go to definition" land in the TypeScript source.
 * Returns every map source that does not resolve in the installed packages.
 */
export function unresolvedMapSources(project, packageNames) {
  const missing = [];
  for (const name of packageNames) {
    const dist = join(project, 'node_modules', name, 'dist');
    for (const entry of readdirSync(dist, { recursive: true })) {
      if (!entry.endsWith('.map')) continue;
      const map = join(dist, entry);
      for (const source of JSON.parse(readFileSync(map, 'utf8')).sources ?? [])
        if (!existsSync(join(dirname(map), source))) missing.push(`${relative(project, map)} -> ${source}`);
    }
  }
  return missing;
}
