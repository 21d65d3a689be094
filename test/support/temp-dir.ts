import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './cleanup.js';

export interface TempDir {
  readonly path: string;
  /** Removes the directory and everything in it (idempotent). */
  remove(): void;
}

/** A fresh directory under the OS temp dir, removed by `remove()` or at process exit. */
export function tempDir(label: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `${label}-`));
  const remove = onExit(() => rmSync(path, { recursive: true, force: true }));
  return { path, remove };
}
