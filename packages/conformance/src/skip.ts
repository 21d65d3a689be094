import type { SuiteContext } from './context.js';
import type { TestApi } from './harness.js';
import { type TestScope, withScope } from './scope.js';

/** Every rule of docs/contract.md, in order. Deviations must name one of these. */
// biome-ignore format: one line per rule group reads like docs/contract.md
export const RULE_IDS = [
  'P1', 'P2', 'P3', 'P4', 'P5',
  'D1', 'D2', 'D3', 'D4',
  'L1', 'L2', 'L3', 'L4',
  'R1', 'R2', 'R3', 'R4', 'R5', 'R6',
  'Q1', 'Q2', 'Q2b', 'Q3', 'Q4', 'Q5',
  'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7',
  'O1', 'O2', 'U1', 'K1', 'I1',
  'N1', 'E1', 'X1', 'T1',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export interface RuleOptions {
  /**
   * The capability the rule needs, by its name in `Capabilities`, and whether the adapter has it.
   * When absent, the test is registered skipped with `[skip: <capability>]`.
   */
  readonly requires?: { readonly capability: string; readonly present: boolean };
  /**
   * Nominal duration the test may need, before scaling. Sets the runner's wall-clock timeout in
   * real time; on a virtual clock every wait is bounded in virtual time instead.
   */
  readonly budgetMs?: number | undefined;
}

const DEFAULT_BUDGET_MS = 10_000;
const MIN_WALL_TIMEOUT_MS = 30_000;
const VIRTUAL_WALL_TIMEOUT_MS = 60_000;
/**
 * How much longer than a rule's own time limit the runner's timeout is: room to crash the rule's
 * connections when it runs out of time, so that the rule, not the runner, ends the test.
 */
export const RUNNER_GRACE_MS = 10_000;

/** Registry settings that only the suite's own tests change. */
export interface RegistryLimits {
  /** Shortest wall-clock time limit of a rule: 30 s in real time, 60 s on a virtual clock. */
  readonly minWallTimeoutMs?: number;
}

/**
 * Registers the suite's tests with the runner. The only two reasons a test may be skipped live
 * here, so that no rule can skip itself for any other reason: a capability the adapter declares
 * absent, and an emulator deviation the harness documents.
 */
export class RuleRegistry {
  readonly #ctx: SuiteContext;
  readonly #test: TestApi;
  readonly #limits: RegistryLimits;

  constructor(ctx: SuiteContext, test: TestApi, limits: RegistryLimits = {}) {
    this.#ctx = ctx;
    this.#test = test;
    this.#limits = limits;
    checkDeviations(ctx.harness.deviations ?? {});
  }

  get ctx(): SuiteContext {
    return this.#ctx;
  }

  /**
   * Registers one test. `title` starts with its rule ID (`R3 max attempts -> ...`): the ID is read
   * from the title, so a title without a known rule ID cannot be registered at all.
   */
  rule(title: string, body: (scope: TestScope) => Promise<void>, options: RuleOptions = {}): void {
    const id = this.#idOf(title);
    const limitMs = this.#wallTimeout(options.budgetMs ?? DEFAULT_BUDGET_MS);
    // The rule enforces its own limit, shorter than the runner's: when it runs out, its
    // connections are crashed before the next rule starts (a runner timeout would leave its
    // workers running, taking the jobs of every later rule).
    const run = () => withScope(this.#ctx, body, limitMs);
    const deviation = this.#ctx.harness.deviations?.[id];
    if (deviation !== undefined) {
      this.#test.skip(`${title} [skip: deviation ${deviation}]`, run);
    } else if (options.requires && !options.requires.present) {
      this.#test.skip(`${title} [skip: ${options.requires.capability}]`, run);
    } else {
      this.#test.it(title, run, limitMs + RUNNER_GRACE_MS);
    }
  }

  #idOf(title: string): string {
    const id = title.slice(0, title.indexOf(' '));
    if (!(RULE_IDS as readonly string[]).includes(id))
      throw new Error(`Test title must start with a rule ID: "${title}"`);
    return id;
  }

  #wallTimeout(budgetMs: number): number {
    if (this.#ctx.virtualTime) return this.#limits.minWallTimeoutMs ?? VIRTUAL_WALL_TIMEOUT_MS;
    return Math.max(
      this.#limits.minWallTimeoutMs ?? MIN_WALL_TIMEOUT_MS,
      Math.ceil(budgetMs * this.#ctx.scale * 3),
    );
  }
}

function checkDeviations(deviations: Readonly<Record<string, string>>): void {
  const known = new Set<string>(RULE_IDS);
  for (const [id, text] of Object.entries(deviations)) {
    if (!known.has(id))
      throw new Error(`harness.deviations: "${id}" is not a rule ID (${RULE_IDS.join(', ')})`);
    if (typeof text !== 'string' || text.trim() === '') {
      throw new Error(
        `harness.deviations.${id} must say what the deviation is (it is shown in the skip title)`,
      );
    }
  }
}
