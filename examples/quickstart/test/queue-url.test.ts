import { describe, expect, it } from 'vitest';
import { queueUrlFrom } from '../src/queue-url.js';

describe('quickstart: which broker the demo connects to', () => {
  it('uses QUEUE_URL when it is set', () => {
    expect(queueUrlFrom({ QUEUE_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toBe(
      'amqp://guest:guest@127.0.0.1:5672',
    );
  });

  it.each([
    ['unset', {}],
    ['empty (QUEUE_URL= in a compose file)', { QUEUE_URL: '' }],
    ['blank', { QUEUE_URL: '  ' }],
  ])('falls back to memory:// when QUEUE_URL is %s', (_case, env) => {
    expect(queueUrlFrom(env)).toBe('memory://');
  });
});

describe('quickstart: npm run demo with QUEUE_URL= (empty)', () => {
  it('runs on memory:// instead of failing on an invalid URL', async () => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=@polyqueue/source', main],
        { env: { ...process.env, QUEUE_URL: '' }, timeout: 25_000 },
        (_error, out, err) => resolve({ code: child.exitCode, stdout: out, stderr: err }),
      );
    });
    expect(stderr).not.toMatch(/Not a valid queue URL/);
    expect(stdout).toContain('polyqueue quickstart on Broker(memory://)');
    expect(code).toBe(0);
  });
});
