import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the e2e run saves its screenshots: docs/images/ with POLYQUEUE_SCREENSHOTS=1 (how the
 * docs' pictures are made), a temp dir otherwise, so that a plain test run leaves the tree clean.
 */
export function screenshotDir(): string {
  if (process.env.POLYQUEUE_SCREENSHOTS === '1') {
    const docs = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));
    mkdirSync(docs, { recursive: true });
    return docs;
  }
  return mkdtempSync(join(tmpdir(), 'polyqueue-dashboard-shots-'));
}
