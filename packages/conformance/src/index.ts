/**
 * @polyqueue/conformance: the polyqueue contract (docs/contract.md) as a test suite any adapter runs.
 * Call `runConformance(harness, { describe, it, skip: it.skip, afterAll })` from one test file of
 * the adapter, with the functions of its test runner; the README shows a complete file.
 */
export type {
  BackgroundFault,
  ConformanceHarness,
  NativeMessage,
  NativeTypes,
  SuiteTime,
  TestApi,
} from './harness.js';
export { runConformance } from './run-conformance.js';
export { RULE_IDS, type RuleId } from './skip.js';
