import { connect, MemoryServer, type QueueStats, type StatsField } from '@polyqueue/core';
import type { Driver } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { SuiteContext } from '../src/context.js';
import type { TestApi } from '../src/harness.js';
import { deadLetterOpsRules } from '../src/rules/dead-letter-ops.js';
import { queueListRules } from '../src/rules/queues.js';
import { RuleRegistry } from '../src/skip.js';
import { memoryHarness } from './memory-harness.js';

/** How a test driver bends the memory driver's answers. */
interface Bend {
  /** What capabilities.stats declares (default: the memory driver's four). */
  readonly declared?: readonly StatsField[];
  /** Rewrites what stats() returns. */
  readonly stats?: (honest: QueueStats) => QueueStats;
  /** Rewrites what queues() returns. */
  readonly queues?: (honest: readonly string[]) => readonly string[];
}

/** The memory driver with `bend` applied; everything else passes through. */
function bentDriver(server: MemoryServer, bend: Bend): Driver {
  const inner = server.connect();
  const capabilities = { ...inner.capabilities, stats: bend.declared ?? inner.capabilities.stats };
  return {
    name: inner.name,
    capabilities,
    get clock() {
      return inner.clock;
    },
    provision: (queue) => inner.provision(queue),
    send: (queue, messages) => inner.send(queue, messages),
    receiver: (queue, options) => inner.receiver(queue, options),
    deadLetters: (queue) => inner.deadLetters(queue),
    stats: async (queue) => (bend.stats ?? ((s) => s))(await inner.stats(queue)),
    queues: async () => (bend.queues ?? ((q) => q))(await inner.queues()),
    errorCode: (error) => inner.errorCode(error),
    native: () => inner.native(),
    close: (mode) => inner.close(mode),
  };
}

/** Registers Q4 and Q5 against a bent memory broker; returns the rule bodies by ID. */
function rulesOn(bend: Bend) {
  const server = new MemoryServer();
  const probe = bentDriver(server, bend);
  const harness = {
    ...memoryHarness(server, { name: 'Q rules', timeScale: 0.1 }),
    capabilities: probe.capabilities,
    connect: (options = {}) => connect({ driver: bentDriver(server, bend), ...options }),
  };
  const registered = new Map<string, () => Promise<void>>();
  const api: TestApi = {
    describe: (_name, body) => body(),
    it: (title, run) => void registered.set(title.slice(0, 2), run),
    skip: () => undefined,
  };
  const suite = new RuleRegistry(new SuiteContext(harness), api, { minWallTimeoutMs: 5_000 });
  deadLetterOpsRules(suite);
  queueListRules(suite);
  return { q4: registered.get('Q4')!, q5: registered.get('Q5')! };
}

describe('Q4: per-field stats', () => {
  it('passes on an honest driver declaring every count', async () => {
    await rulesOn({}).q4();
  });

  it('passes on an honest driver declaring two counts and leaving the others undefined', async () => {
    await rulesOn({
      declared: ['ready', 'deadLettered'],
      stats: (s) => ({ ...s, delayed: undefined, inFlight: undefined }),
    }).q4();
  });

  it('fails on a driver that answers 0 for a count it does not declare', async () => {
    const { q4 } = rulesOn({
      declared: ['ready', 'delayed', 'deadLettered'],
      stats: (s) => ({ ...s, inFlight: 0 }),
    });
    await expect(q4()).rejects.toThrow(/undefined for the others/);
  });

  it('fails on a driver that declares a count and answers a wrong 0 for it', async () => {
    const { q4 } = rulesOn({ stats: (s) => ({ ...s, delayed: 0 }) });
    await expect(q4()).rejects.toThrow(/declared counts/);
  });
});

describe('Q5: queue listing', () => {
  it('passes on the memory driver', async () => {
    await rulesOn({}).q5();
  });

  it('fails on a driver that lists dead-letter queues too', async () => {
    const { q5 } = rulesOn({ queues: (names) => [...names, ...names.map((name) => `${name}.dlq`)].sort() });
    await expect(q5()).rejects.toThrow(/two work queues of this test/);
  });

  it('fails on a driver that misses a queue', async () => {
    const { q5 } = rulesOn({ queues: (names) => names.slice(1) });
    await expect(q5()).rejects.toThrow(/two work queues of this test/);
  });
});
