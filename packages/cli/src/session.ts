import { type Broker, connect } from '@polyqueue/core';
import { UsageError } from './exit-codes.js';
import { Output, secretsOfUrl } from './output.js';

export interface GlobalOptions {
  readonly url?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** What every command gets: an output bound to the URL's secrets, and the broker once asked for. */
export interface Session {
  readonly out: Output;
  readonly url: string;
  broker(): Promise<Broker>;
}

export function openSession(options: GlobalOptions, run: (session: Session) => Promise<void>): Promise<void> {
  const url = options.url ?? process.env.QUEUE_URL;
  const out = new Output(options.json === true, url === undefined ? [] : secretsOfUrl(url));
  if (url === undefined || url === '') throw new UsageError('no broker: give --url or set QUEUE_URL');
  let broker: Promise<Broker> | undefined;
  const session: Session = {
    out,
    url,
    // provision: false — an operator tool must not create a queue by looking at a misspelt name;
    // an unknown queue is reported as such instead.
    broker: () => {
      broker ??= connect(url, { provision: false });
      return broker;
    },
  };
  return run(session).finally(async () => {
    if (broker !== undefined) await (await broker.catch(() => undefined))?.close({ timeoutMs: 5_000 });
  });
}
