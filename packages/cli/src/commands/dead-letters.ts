import confirm from '@inquirer/confirm';
import type { DeadLetterReason } from '@polyqueue/core';
import pc from 'picocolors';
import { UsageError } from '../exit-codes.js';
import type { Session } from '../session.js';

/** Dead letters, one block each: what failed, why, how often, from where, when, and the payload. */
export async function peek(session: Session, queue: string, limit: number): Promise<void> {
  const { out } = session;
  const letters = await (await session.broker()).queue(queue).deadLetters.peek(limit);
  for (const letter of letters) {
    const { record } = letter;
    const payload = letter.payload === undefined ? undefined : letter.payload;
    out.record({ id: letter.id, payload, attributes: letter.attributes, record: record ?? null });
    out.line(pc.bold(`dead letter ${letter.id}`));
    if (record === undefined) out.line('  reason      unknown (moved by the broker, not by polyqueue)');
    else {
      out.line(`  reason      ${record.reason}`);
      out.line(`  error       ${record.errorName}: ${record.errorMessage}`);
      out.line(`  attempts    ${record.attempts}`);
      out.line(`  source      ${record.sourceQueue}`);
      out.line(`  failed at   ${new Date(record.failedAt).toISOString()}`);
    }
    out.line(`  attributes  ${JSON.stringify(letter.attributes)}`);
    out.line(`  payload     ${payload === undefined ? pc.dim('(not decodable)') : JSON.stringify(payload)}`);
    if (record?.errorStack !== undefined) out.line(pc.dim(indent(record.errorStack)));
    out.line();
  }
  if (letters.length === 0) out.line(`no dead letters on ${queue}`);
}

const REASONS: readonly DeadLetterReason[] = ['failed', 'unrecoverable', 'decode', 'validation', 'exhausted'];

export interface RedriveCommandOptions {
  readonly limit?: number;
  readonly reason?: string;
  readonly ids?: readonly string[];
}

/** Dead letters back to their queue: all, or those of some jobs (--id) or of one reason (--reason). */
export async function redrive(
  session: Session,
  queue: string,
  options: RedriveCommandOptions,
): Promise<void> {
  const { limit, reason, ids } = options;
  if (reason !== undefined && !REASONS.includes(reason as DeadLetterReason))
    throw new UsageError(`--reason "${reason}" is not one of ${REASONS.join(', ')}`);
  const moved = await (await session.broker()).queue(queue).deadLetters.redrive({
    ...(limit === undefined ? {} : { limit }),
    ...(reason === undefined ? {} : { reason: reason as DeadLetterReason }),
    ...(ids === undefined || ids.length === 0 ? {} : { ids }),
  });
  session.out.record({ queue, redriven: moved });
  session.out.line(`redrove ${moved} dead letter(s) back to ${queue}`);
}

/** Deleting is final: on a terminal it asks; in a pipe nobody can answer, so it needs --yes. */
export async function purge(session: Session, queue: string, yes: boolean): Promise<void> {
  if (!yes) {
    if (!process.stdin.isTTY)
      throw new UsageError('purge deletes every dead letter: give --yes when stdin is not a terminal');
    const sure = await confirm(
      { message: `Delete every dead letter of ${queue}?`, default: false },
      { output: process.stderr },
    );
    if (!sure) return session.out.info('purge cancelled');
  }
  const deleted = await (await session.broker()).queue(queue).deadLetters.purge();
  session.out.record({ queue, purged: deleted });
  session.out.line(`purged ${deleted} dead letter(s) of ${queue}`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
