import { redactCredentials } from '@polyqueue/core';
import pc from 'picocolors';

/**
 * Where a command writes. Results go to stdout (one JSON object per line with --json, so a
 * script can pipe them); progress, logs and errors go to stderr. Every line passes through
 * `redact`, so a password given in --url never reaches the terminal or a log file.
 */
export class Output {
  readonly json: boolean;
  readonly #secrets: readonly string[];

  constructor(json: boolean, secrets: readonly string[]) {
    this.json = json;
    // Longest first, so a secret that contains another is masked whole.
    this.#secrets = secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let safe = redactCredentials(text);
    for (const secret of this.#secrets) safe = safe.split(secret).join('***');
    return safe;
  }

  /** A result line for people (ignored with --json). */
  line(text = ''): void {
    if (!this.json) process.stdout.write(`${this.redact(text)}\n`);
  }

  /** A result record for scripts (ignored without --json). */
  record(value: unknown): void {
    if (this.json) process.stdout.write(`${this.redact(JSON.stringify(value))}\n`);
  }

  /** Progress or a log line: stderr, whatever the mode. */
  info(text: string): void {
    process.stderr.write(`${this.redact(text)}\n`);
  }

  error(text: string): void {
    process.stderr.write(`${pc.red('error')} ${this.redact(text)}\n`);
  }
}

/** The credentials inside a queue URL, in every spelling a message may carry them. */
export function secretsOfUrl(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const parsed = new URL(url);
  const found = [parsed.password, parsed.username && !parsed.password ? parsed.username : ''];
  for (const [name, value] of parsed.searchParams) {
    if (/key|secret|token|password|sas|credential|signature/i.test(name)) found.push(value);
  }
  return found.filter(Boolean).flatMap((s) => [s, safeDecode(s)]);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
