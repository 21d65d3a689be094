import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the e2e run saves its screenshots: docs/images/ with POLYQUEUE_SCREENSHOTS=1 (how the
 * docs' pictures are made), a temp dir otherwise, removed by `cleanUp`, so that a plain test run
 * leaves neither the tree nor /tmp changed.
 */
export function screenshotDir(): { readonly dir: string; cleanUp(): void } {
  if (process.env.POLYQUEUE_SCREENSHOTS === '1') {
    const docs = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));
    mkdirSync(docs, { recursive: true });
    return { dir: docs, cleanUp: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'polyqueue-dashboard-shots-'));
  return { dir, cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
}
