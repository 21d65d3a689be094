import { describe, expect, it } from 'vitest';
import {
  type BackgroundError,
  DriverLifecycle,
  type QueueService,
  type QueueTopology,
} from '../../src/driver/index.js';
import { VirtualClock } from '../../src/index.js';

function topology(name: string): QueueTopology {
  return { name, deadLetterName: `${name}.dlq`, leaseMs: 30_000, maxAttempts: 3 };
}

interface Context {
  readonly topology: QueueTopology;
  readonly built: number;
}

/**
 * A lifecycle whose services and connection take virtual time to stop and close (100 ms and
 * 50 ms), logging when each step begins and ends, so the order of a close shows in the log.
 */
function harness() {
  const clock = new VirtualClock();
  const log: string[] = [];
  const at = () => clock.now() - start;
  const start = clock.now();
  let built = 0;
  let connectionError: ((error: unknown) => void) | undefined;
  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
  const lifecycle = new DriverLifecycle<Context>({
    context: (queue) => ({ topology: queue, built: ++built }),
    services: (context): QueueService[] => [
      {
        start: () => void log.push(`${at()} start ${context.topology.name} (context ${context.built})`),
        stop: async (mode) => {
          log.push(`${at()} stopping ${context.topology.name} ${mode}`);
          await wait(100);
          log.push(`${at()} stopped ${context.topology.name}`);
        },
      },
    ],
    connection: {
      onError: (listener) => {
        connectionError = listener;
      },
      close: async (mode) => {
        log.push(`${at()} closing connection ${mode}`);
        await wait(50);
        log.push(`${at()} connection closed`);
      },
    },
  });
  return { clock, log, lifecycle, connectionError: (error: unknown) => connectionError?.(error) };
}

describe('DriverLifecycle', () => {
  it('builds a queue’s context once, and anew for a queue declared again with other settings', () => {
    const { lifecycle } = harness();
    const emails = topology('emails');
    const first = lifecycle.context(emails);
    expect(lifecycle.context(emails)).toBe(first);
    expect(lifecycle.context(topology('sms')).built).toBe(2);
    const redeclared = { ...emails, maxAttempts: 9 };
    expect(lifecycle.context(redeclared)).not.toBe(first);
    expect(lifecycle.context(redeclared).topology).toBe(redeclared);
  });

  it('runs a queue’s services from its context while a receiver is open', async () => {
    const { clock, log, lifecycle } = harness();
    const emails = topology('emails');
    lifecycle.context(emails);
    const release = lifecycle.acquire(emails);
    expect(log).toEqual(['0 start emails (context 1)']);
    release();
    await clock.advance(100);
    expect(log).toEqual(['0 start emails (context 1)', '0 stopping emails graceful', '100 stopped emails']);
  });

  it('a graceful close stops the services first, then closes the connection under them; once', async () => {
    const { clock, log, lifecycle } = harness();
    lifecycle.acquire(topology('emails'));
    expect(lifecycle.alive).toBe(true);
    const closing = lifecycle.close('graceful');
    expect(lifecycle.alive).toBe(false);
    const again = lifecycle.close('abandon');
    await clock.advance(200);
    await Promise.all([closing, again]);
    expect(log).toEqual([
      '0 start emails (context 1)',
      '0 stopping emails graceful',
      '100 stopped emails',
      '100 closing connection graceful',
      '150 connection closed',
    ]);
  });

  it('an abandon drops the connection first, as a crash would, then stops the services', async () => {
    const { clock, log, lifecycle } = harness();
    lifecycle.acquire(topology('emails'));
    const closing = lifecycle.close('abandon');
    expect(lifecycle.alive).toBe(false);
    await clock.advance(200);
    await closing;
    expect(log).toEqual([
      '0 start emails (context 1)',
      '0 closing connection abandon',
      '50 connection closed',
      '50 stopping emails abandon',
      '150 stopped emails',
    ]);
  });

  it('sends background errors, and the connection’s own as `connection`, to the sink core attaches', () => {
    const { lifecycle, connectionError } = harness();
    const reports: BackgroundError[] = [];
    lifecycle.reportErrorsTo((report) => reports.push(report));
    const error = new Error('boom');
    const lost = new Error('socket closed');
    lifecycle.errors.report('forward', error, 'emails');
    connectionError(lost);
    expect(reports).toEqual([
      { action: 'forward', queue: 'emails', error },
      { action: 'connection', error: lost },
    ]);
  });
});
