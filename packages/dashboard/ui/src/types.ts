// The JSON the dashboard's API answers with (packages/dashboard/src/api).

export const STATS_FIELDS = ['ready', 'delayed', 'inFlight', 'deadLettered'] as const;
export type StatsField = (typeof STATS_FIELDS)[number];

/** A count the broker cannot tell is null: shown "n/a", never 0. */
export type Sample = { readonly at: number } & { readonly [F in StatsField]: number | null };

export interface QueueRow {
  readonly name: string;
  readonly latest?: Sample;
  readonly error?: string;
  readonly history: readonly Sample[];
}

export interface Health {
  readonly ok?: boolean;
  readonly checkedAt?: number;
  readonly error?: string;
}

export interface QueuesResponse {
  readonly at?: number;
  readonly queues: readonly QueueRow[];
  readonly listError?: string;
  readonly health: Health;
  readonly fields: readonly StatsField[];
  readonly refreshMs: number;
}

export interface Session {
  readonly readOnly: boolean;
  readonly tokenRequired: boolean;
  /** Whether the server can redrive chosen dead letters (by id), not only all of them. */
  readonly redriveChosen: boolean;
  readonly token?: string;
}

export interface RecentError {
  readonly at: number;
  readonly action: string;
  readonly queue?: string;
  readonly name: string;
  readonly message: string;
}

export interface InfoResponse {
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

export interface DeadLetterRecord {
  readonly reason: string;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly errorStack?: string;
  readonly attempts: number;
  readonly sourceQueue: string;
  readonly failedAt: number;
}

export interface DeadLetterView {
  readonly id: string;
  readonly payload?: unknown;
  readonly bodyText?: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly record: DeadLetterRecord | null;
}

export interface DeadLetterPage {
  readonly items: readonly DeadLetterView[];
  readonly offset: number;
  readonly limit: number;
  readonly matched: number;
  readonly scanned: number;
  readonly more: boolean;
  readonly reasons: Readonly<Record<string, number>>;
}
