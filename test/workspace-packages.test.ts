import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Meta-tests over every workspace package: what a package imports must be what it declares, and
 * what it exports must exist once built. A missing dependency works in the monorepo (hoisting)
 * and breaks for the first user who installs the package alone.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDirs = ['packages', 'examples']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')));

interface PackageJson {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  exports?: Record<string, Record<string, string>>;
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

/** DefinitelyTyped's name for a package's types: `aws-lambda` -> `@types/aws-lambda` (type-only imports). */
function typesPackage(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

describe.each(packageDirs.map((dir) => [dir.slice(root.length + 1), dir]))('%s', (_label, dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

  it('declares every package its source imports', () => {
    const declared = new Set([
      pkg.name,
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
    ]);
    const undeclared = sourceFiles(join(dir, 'src')).flatMap((file) =>
      importedPackages(file)
        .filter((name) => !declared.has(name) && !declared.has(typesPackage(name)))
        .map((name) => `${file.slice(dir.length + 1)} imports ${name}`),
    );
    expect(undeclared).toEqual([]);
  });

  // Private packages (examples, bench) are never installed by anyone, so they need no exports.
  if (pkg.private) return;
  it('exports types and code for every entry point, built by the typecheck step', () => {
    expect(pkg.exports).toBeDefined();
    for (const [entry, conditions] of Object.entries(pkg.exports ?? {})) {
      expect(Object.keys(conditions), entry).toEqual(['@polyqueue/source', 'types', 'default']);
      for (const target of Object.values(conditions))
        expect(existsSync(join(dir, target)), `${entry} -> ${target}`).toBe(true);
    }
  });
});
