// One child process, bounded in time. The pack test runs npm, tsc, publint and attw; any of them
// can hang (a registry that stops answering, a prompt), and a hung step must fail the test, not
// stall CI. Each child gets its own process group so a timeout kills npm's children too.
import { spawn } from 'node:child_process';

const running = new Set();

/**
 * Runs `command args` in `cwd`; resolves with { code, stdout, stderr, ms }. Never rejects: the
 * caller decides what a non-zero exit means. A child still running after `timeoutMs` is killed
 * and reported with code 'timeout'.
 */
export function run(command, args, { cwd, timeoutMs, env = process.env }) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    const done = (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: timedOut ? 'timeout' : code, stdout, stderr, ms: performance.now() - started });
    };
    child.on('error', (error) => {
      stderr += String(error);
      done('spawn-error');
    });
    child.on('close', (code, signal) => done(code ?? signal));
  });
}

/** Kills every child still running (the whole-test deadline, or an interrupt). */
export function killAll() {
  for (const child of running) killGroup(child);
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone: nothing to kill.
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping the input order in the results. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
