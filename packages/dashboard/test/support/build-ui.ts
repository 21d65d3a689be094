import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const UI = fileURLToPath(new URL('../../ui/', import.meta.url));
/** Held (a directory: mkdir is atomic) by the one test file building the UI. */
const LOCK = join(UI, '.build-lock');
const LOCK_WAIT_MS = 120_000;
const STALE_LOCK_MS = 180_000;

/**
 * Builds the UI when its bundle is older than a source (or missing), so a browser test never
 * runs against a stale bundle and `npm test` from a fresh clone needs no separate step. Test
 * files run in parallel: one builds, under a lock, and the others wait for it (bounded), so none
 * serves a bundle that another is replacing.
 */
export async function ensureUiBuilt(): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!isFresh()) {
    if (takeLock()) {
      try {
        if (!isFresh()) await build({ configFile: join(UI, 'vite.config.ts'), logLevel: 'warn' });
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`the UI build of another test file did not end in ${LOCK_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    // A lock left by a killed run: old enough to be nobody's.
    const lock = statSync(LOCK, { throwIfNoEntry: false });
    if (lock !== undefined && Date.now() - lock.mtimeMs > STALE_LOCK_MS)
      rmSync(LOCK, { recursive: true, force: true });
    return false;
  }
}

function isFresh(): boolean {
  const built = join(UI, 'dist', 'index.html');
  if (!existsSync(built) || existsSync(LOCK)) return false;
  const at = statSync(built).mtimeMs;
  const inputs = [join(UI, 'index.html'), join(UI, 'vite.config.ts')].map((file) => statSync(file).mtimeMs);
  return Math.max(newest(join(UI, 'src')), newest(join(UI, 'public')), ...inputs) < at;
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
