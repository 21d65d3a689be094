#!/usr/bin/env node
// `prepack` of every published package (run by `npm pack` and `npm publish` in the package's
// directory): a clean build of that package, so a tarball always holds a complete, current dist/.
// - Clean: a dist/ left by an older build can hold modules whose sources were since renamed or
//   deleted; they would be published too.
// - `tsc -b`: also brings the packages this one references (core) up to date, incrementally.
//   The build info lives in dist/ (see the package's tsconfig.json), so removing dist/ really
//   forces the rebuild.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const packageDir = process.cwd();
rmSync(join(packageDir, 'dist'), { recursive: true, force: true });

// The workspace's own TypeScript, found from the package directory as Node finds any module.
const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: packageDir, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(`prepack: tsc -b failed in ${packageDir} (status ${build.status ?? build.signal})`);
  process.exit(1);
}
