import { SuiteContext } from './context.js';
import type { ConformanceHarness, TestApi } from './harness.js';
import { backgroundErrorRules } from './rules/background-errors.js';
import { configRules } from './rules/config.js';
import { deadLetterRules } from './rules/dead-letter.js';
import { deadLetterOpsRules } from './rules/dead-letter-ops.js';
import { dedupRules } from './rules/dedup.js';
import { delayRules } from './rules/delay.js';
import { flowRules } from './rules/flow.js';
import { interopRules } from './rules/interop.js';
import { leaseRules } from './rules/lease.js';
import { nameRules } from './rules/names.js';
import { nativeTypeRules } from './rules/native-types.js';
import { orderingRules } from './rules/ordering.js';
import { queueListRules } from './rules/queues.js';
import { redriveChosenRules } from './rules/redrive-chosen.js';
import { retryRules } from './rules/retry.js';
import { sendRules } from './rules/send.js';
import { shutdownRules } from './rules/shutdown.js';
import { sizeLimitRules } from './rules/size-limit.js';
import { traceRules } from './rules/trace.js';
import { RuleRegistry } from './skip.js';

/**
 * Registers the whole contract for one adapter: one `describe` holding one or more tests per rule,
 * each title starting with its rule ID. Runner-agnostic: pass your runner's functions.
 *
 * Registration is synchronous (every runner collects tests that way), which is why the harness
 * declares its capabilities up front rather than the suite connecting to find out.
 */
export function runConformance(harness: ConformanceHarness, test: TestApi): void {
  const ctx = new SuiteContext(harness);
  test.describe(`polyqueue conformance: ${harness.name}`, () => {
    const suite = new RuleRegistry(ctx, test);
    sendRules(suite);
    delayRules(suite);
    leaseRules(suite);
    retryRules(suite);
    deadLetterRules(suite);
    sizeLimitRules(suite);
    deadLetterOpsRules(suite);
    redriveChosenRules(suite);
    queueListRules(suite);
    flowRules(suite);
    shutdownRules(suite);
    orderingRules(suite);
    dedupRules(suite);
    configRules(suite);
    interopRules(suite);
    nameRules(suite);
    traceRules(suite);
    backgroundErrorRules(suite);
    nativeTypeRules(suite);
  });
}
