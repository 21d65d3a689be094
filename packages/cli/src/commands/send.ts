import type { SendOptions } from '@polyqueue/core';
import { parseDuration } from '../duration.js';
import { UsageError } from '../exit-codes.js';
import type { Session } from '../session.js';

export interface SendFlags {
  readonly delay?: string;
  readonly attr: readonly string[];
  readonly dedupId?: string;
}

/** Sends one job. The JSON is parsed (and so validated) before anything touches the broker. */
export async function send(
  session: Session,
  queue: string,
  text: string | undefined,
  flags: SendFlags,
): Promise<void> {
  const source = text === undefined || text === '-' ? await readStdin() : text;
  let payload: unknown;
  try {
    payload = JSON.parse(source);
  } catch (error) {
    throw new UsageError(`the payload is not valid JSON: ${(error as Error).message}`);
  }
  const options: { -readonly [K in keyof SendOptions]: SendOptions[K] } = {};
  if (flags.delay !== undefined) options.delay = parseDuration(flags.delay, '--delay');
  if (flags.attr.length > 0) options.attributes = Object.fromEntries(flags.attr.map(parseAttribute));
  if (flags.dedupId !== undefined) options.dedupId = flags.dedupId;
  const id = await (await session.broker()).queue(queue).send(payload, options);
  session.out.record({ queue, id });
  session.out.line(id);
}

function parseAttribute(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at < 1) throw new UsageError(`--attr "${text}" is not key=value`);
  return [text.slice(0, at), text.slice(at + 1)];
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('give the payload as JSON, or pipe it and pass -');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
