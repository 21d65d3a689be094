import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Where a broker's executable is. A fault test that needs a private broker cannot run without
 * it: under CI=true a missing binary fails the test with the command that installs it; on a
 * developer's machine the caller may skip, printing the same command.
 */
export interface BrokerBinary {
  /** The executable's path, or undefined when it is missing (never under CI=true). */
  readonly path: string | undefined;
  /** Why the binary is missing and how to install it (empty when found). */
  readonly missing: string;
}

export function findBrokerBinary(
  name: string,
  { aptPackage, extraDirs = [] }: { aptPackage: string; extraDirs?: string[] },
): BrokerBinary {
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return { path: candidate, missing: '' };
    } catch {
      // not in this directory
    }
  }
  const missing =
    `${name} is not installed; the fault tests start a private broker from it. ` +
    `Install it with: sudo apt-get install -y ${aptPackage}`;
  if (process.env.CI === 'true') throw new Error(missing);
  return { path: undefined, missing };
}
