import { connect } from 'node:net';

/** True when something accepts a TCP connection on host:port (one try, bounded by `timeoutMs`). */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits until host:port accepts connections, at most `timeoutMs`. `stillStarting` lets the caller
 * give up early with its own error (e.g. the process it started has already exited).
 */
export async function waitForPort(
  port: number,
  {
    host = '127.0.0.1',
    timeoutMs,
    stillStarting = () => undefined,
  }: {
    host?: string;
    timeoutMs: number;
    stillStarting?: () => Error | undefined;
  },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = stillStarting();
    if (failure) throw failure;
    if (await portAnswers(port, host)) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
