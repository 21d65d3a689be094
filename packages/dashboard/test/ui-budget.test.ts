import { beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuilt, gzippedUiBytes } from './support/build-ui.js';

const BUDGET_BYTES = 150 * 1024;

beforeAll(ensureUiBuilt, 120_000);

describe('the built UI', () => {
  it(`is under ${BUDGET_BYTES / 1024} kB gzipped, every file the package ships for the page`, () => {
    const bytes = gzippedUiBytes();
    console.log(`[dashboard] UI bundle: ${(bytes / 1024).toFixed(1)} kB gzipped`);
    expect(bytes).toBeLessThan(BUDGET_BYTES);
  });
});
