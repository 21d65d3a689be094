import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: the test run must leave the developer's own brokers exactly as it found
 * them. Fault tests start private instances on ports of their own; a test that stops, restarts or
 * replaces a shared service (a new process on its port) fails the whole run here, naming it.
 */
const SHARED = {
  rabbitmq: 5672,
  nats: 4222,
  redis: 6379,
  postgresql: 5432,
  pstest: 8085,
} as const;

type Listeners = Map<string, string>;

/** Which process listens on each shared port, as "name pid", or "none". */
function listeners(): Listeners {
  const found: Listeners = new Map();
  for (const [service, port] of Object.entries(SHARED)) {
    found.set(service, listenerOf(port));
  }
  return found;
}

function listenerOf(port: number): string {
  let out: string;
  try {
    out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', timeout: 5_000 });
  } catch {
    return 'unknown (ss failed)';
  }
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
  return match ? `${match[1]} pid ${match[2]}` : 'none';
}

export default function setup(): () => void {
  const before = listeners();
  return () => {
    const after = listeners();
    const changed = [...before].filter(([service, was]) => after.get(service) !== was);
    if (changed.length === 0) return;
    const lines = changed.map(
      ([service, was]) =>
        `${service} on port ${SHARED[service as keyof typeof SHARED]}: ${was} before, ${after.get(service)} after`,
    );
    // Vitest only logs an error thrown from a global teardown and still exits 0, so fail the
    // process explicitly.
    process.stderr.write(
      `\nthe test run changed shared services it did not start:\n  ${lines.join('\n  ')}\n`,
    );
    process.exitCode = 1;
  };
}
