import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('package.json', () => {
  it('declares exactly the packages that src/ imports', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const imported = new Set<string>();
    for (const file of readdirSync(join(root, 'src'))) {
      const source = readFileSync(join(root, 'src', file), 'utf8');
      for (const [, specifier] of source.matchAll(/from '([^'.][^']*)'/g)) {
        const parts = specifier!.split('/');
        imported.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
    expect([...imported].filter((name) => !name.startsWith('node:')).sort()).toEqual([...declared].sort());
  });
});
