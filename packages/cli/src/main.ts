import { inspect as formatError } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import { dashboard } from './commands/dashboard.js';
import { peek, purge, redrive } from './commands/dead-letters.js';
import { inspect } from './commands/inspect.js';
import { move, parseRate } from './commands/move.js';
import { queues } from './commands/queues.js';
import { send } from './commands/send.js';
import { stats } from './commands/stats.js';
import { parseCount, parseDuration } from './duration.js';
import { EXIT, UsageError } from './exit-codes.js';
import { Output, secretsOfUrl } from './output.js';
import { type GlobalOptions, openSession, type Session } from './session.js';

const EXIT_HELP = `
Exit codes:
  0  done (inspect: the broker answered)
  1  the operation failed: unreachable broker, refused credentials, unknown queue
  2  usage error: bad option, bad JSON, bad --delay, purge without --yes in a pipe
  130  move stopped by Ctrl-C: what it held is back on the source; run it again to go on`;

const MOVE_HELP = `
It is at-least-once: each batch is published to the target, confirmed, and only then acked on the
source. Jobs keep their id, attributes, attempt count, enqueuedAt and trace context; where the
target deduplicates, the job id is the dedup id, so a job moved twice arrives once.

Jobs still delayed on the source (a delayed send, a retry in backoff) are not moved: they stay
there until due. Keep a worker on the source (processAll, docs/migrating-brokers.md) or run move
again later; \`polyqueue stats <queue> --url <source>\` shows how many are delayed.

--dead-letters first redrives the source's dead letters onto its queue (attempts reset), then
moves them with the rest: they arrive on the target as jobs to run again, not as dead letters.

Ctrl-C stops it: no more receiving, publishes under way finish, what it holds is handed back
(exit 130); a rerun goes on. Killed outright, it loses nothing: what it held returns on the source
when its lease expires or its connection drops.

Examples:
  polyqueue move emails --from amqp://guest:guest@old:5672 --to sqs://eu-west-1 --rate 500/s
  polyqueue move emails --from $OLD --to $NEW --dead-letters --json | jq -c 'select(.event=="done")'`;

/** Longest error line printed without --verbose. */
const MAX_ERROR_CHARS = 300;

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('polyqueue')
    .description('Operate polyqueue queues on any broker from the terminal.')
    .addOption(new Option('--url <url>', 'broker URL').env('QUEUE_URL'))
    .option('--json', 'machine output on stdout: one JSON object per line')
    .option('--verbose', "on failure, the error's stack and causes too; dependencies' warnings kept")
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', () => {
      // The AWS SDK prints a 10-line notice on stderr about its own future Node support: aimed at
      // whoever builds an application on it, noise around the one-line error of an operator tool.
      if (program.opts<GlobalOptions>().verbose !== true)
        process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    });
  // Each action runs inside a session so the broker is closed whatever happens.
  const run = (body: (session: Session) => Promise<void>) => () =>
    openSession(program.opts<GlobalOptions>(), body);
  // A command that ends with another code than 0 on success (move stopped by Ctrl-C).
  let exitCode: number = EXIT.ok;

  program
    .command('inspect')
    .description('adapter, capabilities, and a connectivity check (exit 0 connected, 1 not)')
    .addHelpText('after', '\nExample:\n  polyqueue inspect --url amqp://guest:guest@localhost:5672')
    .action(run((s) => inspect(s)));
  program
    .command('queues')
    .description('the queues polyqueue provisioned on the broker (exit 1 where the broker cannot list)')
    .addHelpText('after', '\nExample:\n  polyqueue queues --json | jq -r .queue')
    .action(run((s) => queues(s)));
  program
    .command('stats')
    .description(
      'ready / delayed / in-flight / dead-lettered counts; "n/a" (JSON null) where the broker cannot tell',
    )
    .argument('[queue...]', 'queues to read (default: every queue `polyqueue queues` lists)')
    .option('--watch', 'redraw in place until Ctrl-C')
    .option('--interval <duration>', 'redraw interval with --watch', '2s')
    .addHelpText('after', '\nExample:\n  polyqueue stats emails invoices --watch')
    .action((queues: string[], o: { watch?: boolean; interval: string }) =>
      run((s) =>
        stats(s, queues, { watch: o.watch === true, interval: parseDuration(o.interval, '--interval') }),
      )(),
    );
  program
    .command('peek')
    .description("show a queue's dead letters without removing them")
    .argument('<queue>')
    .option('--limit <n>', 'at most this many', '20')
    .addHelpText('after', '\nExample:\n  polyqueue peek emails --limit 5 --json | jq .record.errorMessage')
    .action((queue: string, o: { limit: string }) =>
      run((s) => peek(s, queue, parseCount(o.limit, '--limit')))(),
    );
  program
    .command('redrive')
    .description("move a queue's dead letters back to it, attempts reset")
    .argument('<queue>')
    .option('--limit <n>', 'at most this many (default: all that match)')
    .option(
      '--reason <reason>',
      'only those of this reason: failed, unrecoverable, decode, validation, exhausted',
    )
    .option('--id <id...>', 'only the dead letters of these job ids')
    .addHelpText(
      'after',
      '\nWith --reason or --id, only the chosen dead letters move; the others stay where they are.\n\nExamples:\n  polyqueue redrive emails --limit 100\n  polyqueue redrive emails --reason unrecoverable\n  polyqueue redrive emails --id 0b7e... --id 5f1c...',
    )
    .action((queue: string, o: { limit?: string; reason?: string; id?: string[] }) =>
      run((s) =>
        redrive(s, queue, {
          ...(o.limit === undefined ? {} : { limit: parseCount(o.limit, '--limit') }),
          ...(o.reason === undefined ? {} : { reason: o.reason }),
          ...(o.id === undefined ? {} : { ids: o.id }),
        }),
      )(),
    );
  program
    .command('purge')
    .description('delete every dead letter of a queue (asks on a terminal; needs --yes in a pipe)')
    .argument('<queue>')
    .option('--yes', 'do not ask')
    .addHelpText('after', '\nExample:\n  polyqueue purge emails --yes')
    .action((queue: string, o: { yes?: boolean }) => run((s) => purge(s, queue, o.yes === true))());
  program
    .command('send')
    .description('send one job; the payload is JSON, given as an argument or on stdin with -')
    .argument('<queue>')
    .argument('[json]', 'the payload, or - to read stdin')
    .option('--delay <duration>', 'deliver no earlier than this from now: 500ms, 30s, 10m, 2h, 1d')
    .option('--attr <key=value>', 'an attribute (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--dedup-id <id>', 'jobs with the same id in the dedup window are handled once')
    .addHelpText(
      'after',
      `\nExamples:\n  polyqueue send emails '{"to":"a@b.c"}' --delay 10m --attr tenant=acme\n  echo '{"to":"a@b.c"}' | polyqueue send emails -`,
    )
    .action(
      (queue: string, json: string | undefined, o: { delay?: string; attr: string[]; dedupId?: string }) =>
        run((s) => send(s, queue, json, o))(),
    );

  program
    .command('dashboard')
    .description('serve the web dashboard (loopback only unless --token is given) until Ctrl-C')
    .option('--port <n>', 'port to listen on', '4000')
    .option('--host <host>', 'interface to listen on; any but loopback needs --token', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'needed by every request (16+ characters)').env(
        'POLYQUEUE_DASHBOARD_TOKEN',
      ),
    )
    .option('--read-only', 'hide and refuse redrive, purge and send')
    .option(
      '--queue <name>',
      'a queue to show (repeatable; needed where the broker cannot list)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .addHelpText('after', '\nExample:\n  polyqueue dashboard --url nats://localhost:4222 --read-only')
    .action((o: { port: string; host: string; token?: string; readOnly?: boolean; queue: string[] }) =>
      run((s) => dashboard(s, o))(),
    );

  program
    .command('move')
    .description("move a queue's deliverable jobs from one broker to another (--url is not used)")
    .argument('<queue>')
    .requiredOption('--from <url>', 'the broker to move jobs off')
    .requiredOption('--to <url>', 'the broker to move them to')
    .option('--dead-letters', 'also move the dead letters, as jobs to run again')
    .option('--limit <n>', 'at most this many (default: until nothing is deliverable)')
    .option('--rate <n/s>', 'at most this many jobs a second, e.g. 500/s')
    .addHelpText('after', MOVE_HELP)
    .action(
      async (
        queue: string,
        o: { from: string; to: string; deadLetters?: boolean; limit?: string; rate?: string },
      ) => {
        exitCode = await move(queue, {
          from: o.from,
          to: o.to,
          deadLetters: o.deadLetters === true,
          json: program.opts<GlobalOptions>().json === true,
          ...(o.limit === undefined ? {} : { limit: parseCount(o.limit, '--limit') }),
          ...(o.rate === undefined ? {} : { rate: parseRate(o.rate) }),
        });
      },
    );

  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    return failure(error, program.opts<GlobalOptions>());
  }
}

function failure(error: unknown, options: GlobalOptions): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander's exitOverride; their text is already printed.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const url = options.url ?? process.env.QUEUE_URL;
  const out = new Output(options.json === true, url === undefined ? [] : secretsOfUrl(url));
  if (error instanceof UsageError) {
    out.error(error.message);
    return EXIT.usage;
  }
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // One line: what is wrong, with the broker's error code when it has one. Some SDKs pack every
  // retry's error into one message (kilobytes): the head says it, --verbose shows the rest.
  const line = message.split('\n')[0]!;
  const head =
    line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS)}… (--verbose for all)` : line;
  out.error(`${typeof code === 'string' ? `${code}: ` : ''}${head}`);
  if (options.verbose === true) out.info(formatError(error, { depth: 4 }));
  return EXIT.failed;
}
