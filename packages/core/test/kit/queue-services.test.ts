import { describe, expect, it } from 'vitest';
import { type QueueService, QueueServices, type QueueTopology } from '../../src/driver/index.js';

function topology(name: string): QueueTopology {
  return { name, deadLetterName: `${name}.dlq`, leaseMs: 30_000, maxAttempts: 3 };
}

function recorder() {
  const log: string[] = [];
  const services = new QueueServices((queue): QueueService[] => [
    {
      start: () => void log.push(`start ${queue.name}`),
      stop: async (mode) => void log.push(`stop ${queue.name} ${mode}`),
    },
  ]);
  return { log, services };
}

describe('QueueServices', () => {
  it('starts a queue’s services with its first receiver and stops them (graceful) after its last', async () => {
    const { log, services } = recorder();
    const first = services.acquire(topology('emails'));
    const second = services.acquire(topology('emails'));
    expect(log).toEqual(['start emails']);
    first();
    expect(log).toEqual(['start emails']);
    second();
    await services.stopAll('graceful'); // waits for the stop already under way
    expect(log).toEqual(['start emails', 'stop emails graceful']);
  });

  it('ignores a second call of the same release, which would otherwise stop services another receiver needs', () => {
    const { log, services } = recorder();
    const first = services.acquire(topology('emails'));
    services.acquire(topology('emails'));
    first();
    first();
    expect(log).toEqual(['start emails']);
  });

  it('keeps queues apart, and starts a queue again after its services stopped', () => {
    const { log, services } = recorder();
    const emails = services.acquire(topology('emails'));
    services.acquire(topology('sms'));
    emails();
    services.acquire(topology('emails'));
    expect(log).toEqual(['start emails', 'start sms', 'stop emails graceful', 'start emails']);
  });

  it('stopAll stops every queue in the given mode; a release after it does nothing', async () => {
    const { log, services } = recorder();
    const emails = services.acquire(topology('emails'));
    services.acquire(topology('sms'));
    await services.stopAll('abandon');
    emails();
    expect(log).toEqual(['start emails', 'start sms', 'stop emails abandon', 'stop sms abandon']);
  });

  it('stopAll resolves only once every service has stopped', async () => {
    let finish!: () => void;
    const services = new QueueServices(() => [
      {
        start: () => undefined,
        stop: () =>
          new Promise<void>((resolve) => {
            finish = resolve;
          }),
      },
    ]);
    services.acquire(topology('emails'));
    let done = false;
    const stopping = services.stopAll('graceful').then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    finish();
    await stopping;
    expect(done).toBe(true);
  });
});
