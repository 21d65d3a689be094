#!/usr/bin/env node
// `prepack` of every published package (npm runs it in the package's directory before `npm pack`
// and `npm publish`): dist/ holds exactly what the current sources compile to, so a tarball can
// neither miss dist/ nor ship a stale module.
//   1. `tsc -b`: incremental (no cost after `npm run build`); also brings core, which the
//      package references, up to date.
//   2. An output with no source (a module renamed or deleted since the last build) is removed:
//      it would be published, and importable, otherwise.
//   3. A source with a missing output (part of dist/ deleted by hand) means the build info no
//      longer describes dist/: remove dist/ (the build info lives there) and build from scratch.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const packageDir = process.cwd();
const src = join(packageDir, 'src');
const dist = join(packageDir, 'dist');
const BUILD_INFO = 'tsconfig.tsbuildinfo';

build();
const expected = expectedOutputs();
const missing = [...expected].filter((file) => !existsSync(join(dist, file)));
if (missing.length > 0) {
  console.error(`prepack: ${missing.length} outputs missing (e.g. dist/${missing[0]}): clean build`);
  rmSync(dist, { recursive: true, force: true });
  build();
}
for (const file of filesUnder(dist)) {
  if (file === BUILD_INFO || expected.has(file)) continue;
  console.error(`prepack: removing dist/${file} (no source compiles to it)`);
  rmSync(join(dist, file));
}

function build() {
  // The workspace's own TypeScript, found from the package directory as Node finds any module.
  const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: packageDir, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`prepack: tsc -b failed in ${packageDir} (${result.status ?? result.signal})`);
    process.exit(1);
  }
}

/** What tsc emits for each source under src/ (tsconfig: rootDir src, outDir dist, maps on). */
function expectedOutputs() {
  const outputs = new Set();
  for (const file of filesUnder(src)) {
    const match = /^(.*)\.(ts|mts|cts)$/.exec(file);
    if (!match || /\.d\.(ts|mts|cts)$/.test(file)) continue;
    const js = `${match[1]}.${{ ts: 'js', mts: 'mjs', cts: 'cjs' }[match[2]]}`;
    const dts = `${match[1]}.d.${match[2]}`;
    for (const output of [js, `${js}.map`, dts, `${dts}.map`]) outputs.add(output);
  }
  return outputs;
}

/** Every file under `dir`, as a path relative to it with `/` separators. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(dir, join(entry.parentPath ?? entry.path, entry.name))
        .split('\\')
        .join('/'),
    );
}
