/**
 * The JSON the dashboard's API answers with: the one description the server (src/) and the page
 * (ui/) both type against. Types only, nothing of Node: the page's build imports it too.
 */
import type { DeadLetterReason, DeadLetterRecord, QueueStats, StatsField } from '@polyqueue/core';

/** One reading of a queue's counts; a count the broker cannot tell is null ("n/a"), never 0. */
export type Sample = { readonly at: number } & { readonly [F in keyof QueueStats]: number | null };

export interface QueueRow {
  readonly name: string;
  readonly latest: Sample | undefined;
  /** Why the last reading failed, when it did. */
  readonly error?: string;
  /** Readings of the last minutes, oldest first. */
  readonly history: readonly Sample[];
}

/** The last reading's outcome: the broker answered, or what went wrong. */
export interface Health {
  readonly ok: boolean | undefined;
  readonly checkedAt?: number;
  readonly error?: string;
}

/** What the sampler knows: every queue shown, with its counts. */
export interface Snapshot {
  readonly at: number | undefined;
  readonly queues: readonly QueueRow[];
  /** Why the queue list is only the configured one, when `broker.queues()` could not list. */
  readonly listError?: string;
  readonly health: Health;
}

/** GET api/queues */
export interface QueuesResponse extends Snapshot {
  /** The counts the adapter gives (`capabilities.stats`). */
  readonly fields: readonly StatsField[];
  readonly refreshMs: number;
}

/** GET api/session: what the page needs before anything else. */
export interface SessionResponse {
  readonly readOnly: boolean;
  /** A token was configured: the page asks for it. */
  readonly tokenRequired: boolean;
  /** Without a configured token: the per-process token mutations need (same origin only). */
  readonly token?: string;
}

/** A background error the broker reported (`broker.on('error')`). */
export interface RecentError {
  readonly at: number;
  readonly action: string;
  readonly queue?: string;
  readonly name: string;
  readonly message: string;
}

/** GET api/info */
export interface InfoResponse {
  /** The broker's own `toJSON()` (credentials masked) and capabilities. */
  readonly broker: {
    readonly adapter: string;
    readonly url: string;
    readonly capabilities: Record<string, unknown>;
  };
  readonly readOnly: boolean;
  readonly refreshMs: number;
  readonly health: Health;
  readonly errors: readonly RecentError[];
}

/** A dead letter as the page shows it: data only, nothing to render as HTML. */
export interface DeadLetterView {
  readonly id: string;
  /** The decoded payload; absent (and `bodyText` set) when it could not be decoded. */
  readonly payload?: unknown;
  readonly bodyText?: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly record: DeadLetterRecord | null;
}

/** GET api/queues/:queue/dead-letters */
export interface DeadLetterPage {
  readonly items: readonly DeadLetterView[];
  readonly offset: number;
  readonly limit: number;
  /** Dead letters matching the filter among the `scanned` first ones. */
  readonly matched: number;
  readonly scanned: number;
  /** True when the queue may hold more than were scanned (the scan stopped at its bound). */
  readonly more: boolean;
  /** How many of the scanned dead letters have each reason: the filter's choices. */
  readonly reasons: Readonly<Partial<Record<DeadLetterReason | 'unknown', number>>>;
}
