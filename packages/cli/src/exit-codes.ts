/** The exit codes every command documents (docs/cli.md). Scripts branch on them, so they never change meaning. */
export const EXIT = {
  /** Done; for `inspect`, the broker answered. */
  ok: 0,
  /** The operation failed: broker unreachable, credentials refused, unknown queue, broker error. */
  failed: 1,
  /** The command line was wrong: unknown option, bad JSON, bad --delay, purge refused without --yes. */
  usage: 2,
  /** Stopped by Ctrl-C (`move`): what it held is handed back, a rerun goes on. */
  interrupted: 130,
} as const;

/** A mistake in the command line: reported in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
