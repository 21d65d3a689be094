import type { Logger } from '@polyqueue/core';

/**
 * A polyqueue logger for fault tests: background errors of a broker that the test breaks on
 * purpose are counted (warnings) or kept (errors) instead of printed by the hundred, so a test
 * can report them and assert on what needs a human (errors).
 */
export interface RecordingLogger {
  readonly logger: Logger;
  readonly logged: { warnings: number; errors: string[] };
}

export function recordingLogger(): RecordingLogger {
  const logged = { warnings: 0, errors: [] as string[] };
  return {
    logger: {
      warn: () => {
        logged.warnings++;
      },
      error: (message) => {
        logged.errors.push(message);
      },
    },
    logged,
  };
}
