/** The broker URL from the environment (an empty `QUEUE_URL=` counts as unset), else `fallback`. */
export function queueUrl(fallback: string): string {
  return process.env.QUEUE_URL?.trim() || fallback;
}
