import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const UI = fileURLToPath(new URL('../../ui/', import.meta.url));

/**
 * Builds the UI when its bundle is older than a source (or missing), so a browser test never
 * runs against a stale bundle, and `npm test` from a fresh clone needs no separate step.
 */
export async function ensureUiBuilt(): Promise<void> {
  const built = join(UI, 'dist', 'index.html');
  if (
    existsSync(built) &&
    newest(join(UI, 'src')) < statSync(built).mtimeMs &&
    newest(join(UI, 'public')) < statSync(built).mtimeMs
  )
    return;
  await build({ configFile: join(UI, 'vite.config.ts'), logLevel: 'warn' });
}

/** The whole built UI (every file the page loads), gzipped, in bytes. */
export function gzippedUiBytes(): number {
  const dist = join(UI, 'dist');
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + gzipSync(readFileSync(join(entry.parentPath, entry.name))).length, 0);
}

function newest(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((max, entry) => Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
}
