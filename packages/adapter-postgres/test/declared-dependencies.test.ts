import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = readdirSync(join(root, 'src')).map((file) => ({
  file,
  text: readFileSync(join(root, 'src', file), 'utf8'),
}));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

describe('package.json', () => {
  it('declares exactly the packages that src/ imports (statically or with import())', () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const imported = new Set<string>();
    for (const { text } of sources)
      for (const [, a, b] of text.matchAll(/from '([^'.][^']*)'|import\('([^'.][^']*)'\)/g))
        imported.add(packageOf((a ?? b)!));
    expect([...imported].filter((name) => !name.startsWith('node:')).sort()).toEqual([...declared].sort());
  });

  it('loads an optional peer (pg, better-sqlite3) only on use: never a static value import', () => {
    const optional = Object.entries(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional === true)
      .map(([name]) => name);
    expect(optional.sort()).toEqual(['better-sqlite3', 'pg']);
    for (const { file, text } of sources)
      for (const [statement, specifier] of text.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm))
        expect(optional, `${file}: ${statement}`).not.toContain(packageOf(specifier!));
  });
});
