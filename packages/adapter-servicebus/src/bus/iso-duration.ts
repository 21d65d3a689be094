/** Milliseconds as the ISO 8601 duration the administration API takes, e.g. 30000 -> "PT30S". */
export function toIsoDuration(ms: number): string {
  const seconds = Math.round(ms) / 1000;
  return `PT${seconds}S`;
}

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration as the administration API returns it ("PT1M", "P10675199DT2H48M5.4775807S"). */
export function fromIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text);
  if (!match) throw new Error(`Not an ISO 8601 duration: "${text}"`);
  const [, days, hours, minutes, seconds] = match;
  const total =
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0);
  return Math.round(total * 1000);
}
