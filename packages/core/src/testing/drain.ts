import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { systemClock } from '../clock/system-clock.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import { sleep } from '../driver/kit/sleep.js';
import type { MemoryServer } from '../memory/memory-server.js';

const VIRTUAL_DEFAULT_MS = 30 * 24 * 3_600_000;
const REAL_DEFAULT_MS = 10_000;

/**
 * Lets work run until the server has none left. On a virtual clock: yield while anything moves,
 * and jump to the next timer when nothing does. In real time: poll.
 */
export async function drainUntilIdle(
  server: MemoryServer,
  clock: VirtualClock | undefined,
  maxMs?: number,
): Promise<void> {
  if (!clock) {
    const deadline = Date.now() + (maxMs ?? REAL_DEFAULT_MS);
    while (server.pendingWork() > 0) {
      if (Date.now() > deadline) throw stuck(server, maxMs ?? REAL_DEFAULT_MS);
      await sleep(systemClock, 2);
    }
    return;
  }
  const deadline = clock.now() + (maxMs ?? VIRTUAL_DEFAULT_MS);
  let seen = -1;
  for (;;) {
    for (let i = 0; i < 5; i++) await yieldToEventLoop();
    if (server.pendingWork() === 0) return;
    if (server.version !== seen) {
      seen = server.version;
      continue;
    }
    const next = clock.nextDueAt();
    if (next === undefined || next > deadline) throw stuck(server, maxMs ?? VIRTUAL_DEFAULT_MS);
    await clock.advanceTo(next);
  }
}

function stuck(server: MemoryServer, maxMs: number): Error {
  const detail = server
    .queueNames()
    .map((name) => ({ name, ...server.queue(name)!.counts(), receivers: server.queue(name)!.receivers }))
    .filter((q) => q.ready + q.delayed + q.inFlight > 0)
    .map(
      (q) =>
        `${q.name}: ready ${q.ready}, delayed ${q.delayed}, in flight ${q.inFlight}, receivers ${q.receivers}`,
    )
    .join('; ');
  return new Error(`drain: still busy after ${maxMs} ms of broker time (${detail})`);
}
