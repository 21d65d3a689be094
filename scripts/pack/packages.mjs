// What the pack test knows about the workspace: which packages are published, their entry points,
// the peers their README tells a user to install, and the versions the lockfile pins.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every non-private package under packages/, with its entry point specifiers. */
export function publishablePackages(root) {
  return readdirSync(join(root, 'packages'))
    .map((dir) => ({ dir: join('packages', dir), path: join(root, 'packages', dir) }))
    .map(({ dir, path }) => ({
      dir,
      path,
      pkg: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, path, pkg }) => {
      const readme = readFileSync(join(path, 'README.md'), 'utf8');
      return {
        dir,
        name: pkg.name,
        pkg,
        readme,
        entries: Object.keys(pkg.exports ?? { '.': null }).map((key) =>
          key === '.' ? pkg.name : pkg.name + key.slice(1),
        ),
      };
    });
}

/**
 * The packages the README's "## Install" section tells a user to `npm install` (its first code
 * block): installing exactly these, and nothing more, is what proves the README is complete.
 */
export function readmeInstallNames(readme) {
  const section = readme.split(/^## Install\s*$/m)[1];
  if (section === undefined) return undefined;
  const block = section.match(/```\w*\n([\s\S]*?)```/)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => /^npm (install|i|add)\b/.test(line))
    .flatMap((line) => line.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith('-'))
    .map((word) => word.replace(/(.)@.*$/, '$1')); // a version in the README is not ours to pin
}

/**
 * Links that break on the npm website, which shows the README without the repository around it:
 * any Markdown link or image whose target is neither absolute nor an anchor in the same page.
 */
export function relativeLinks(readme) {
  const withoutCode = readme.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)[^)]*\)|^\[[^\]]+\]:\s*(\S+)/gm)]
    .map((match) => match[1] ?? match[2])
    .filter((target) => !/^(https?:|mailto:|#)/.test(target));
}

/** The version the workspace lockfile installed for `name`: the scratch project pins the same. */
export function lockedVersions(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  return (name) => lock.packages?.[`node_modules/${name}`]?.version;
}

/**
 * When package-lock.json was last committed, for `npm install --before`: what the lockfile does
 * not pin (the dependencies of the peers and of our own packages) then resolves as it did that
 * day, so a later release upstream (say, one that needs Node 22) cannot turn this test red.
 * Undefined when the lockfile has uncommitted changes or git cannot tell: resolve as of now.
 */
export function lockCommitDate(root) {
  const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const status = git('status', '--porcelain', '--', 'package-lock.json');
  if (status.status !== 0 || status.stdout.trim() !== '') return undefined;
  const date = git('log', '-1', '--format=%cI', '--', 'package-lock.json').stdout.trim();
  return date === '' ? undefined : date;
}
