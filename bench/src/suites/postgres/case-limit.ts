/** A case that has not finished by then is stuck, not slow: it fails rather than hang the run. */
const CASE_LIMIT_MS = 5 * 60_000;

/** `promise`, or an error naming `label` once CASE_LIMIT_MS has passed. */
export async function withinCaseLimit<T>(label: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`bench: ${label} did not finish within ${CASE_LIMIT_MS / 1_000} s`)),
      CASE_LIMIT_MS,
    );
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}
