import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./keep-alive-child.ts', import.meta.url));
/** Far more than the child needs (it closes its worker after 300 ms); only a hang reaches it. */
const HANG_MS = 20_000;

function runChild(): Promise<{ code: number | null; stdout: string; killed: boolean }> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx', '--conditions=@polyqueue/source'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, HANG_MS);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, killed });
    });
  });
}

describe('a running worker keeps its process alive', () => {
  it('while idle, with nothing else open, until it is closed; then the process exits by itself', async () => {
    const { code, stdout, killed } = await runChild();
    // Without the worker's handle the process exits at once, before the unref'd timer prints.
    expect(stdout).toContain('alive');
    // With a handle left behind after close, it would never exit.
    expect(killed).toBe(false);
    expect(code).toBe(0);
  }, 30_000);
});
