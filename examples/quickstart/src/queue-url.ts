/**
 * The broker URL from the environment, or the in-memory broker. An empty `QUEUE_URL=` (common in
 * compose files and CI templates) means "not set", hence `||` rather than `??`: an empty string
 * is not a URL.
 */
export function queueUrlFrom(env: Readonly<Record<string, string | undefined>>): string {
  return env.QUEUE_URL?.trim() || 'memory://';
}
