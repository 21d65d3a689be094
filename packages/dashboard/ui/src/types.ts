// The API's JSON, as the server types it (src/api/wire.ts), and the counts in display order.
export type {
  DeadLetterPage,
  DeadLetterView,
  Health,
  InfoResponse,
  QueueRow,
  QueuesResponse,
  RecentError,
  Sample,
  SessionResponse as Session,
} from '../../src/api/wire';

/** core's STATS_FIELDS: a value, so the page keeps its own copy (core is not bundled). */
export const STATS_FIELDS = ['ready', 'delayed', 'inFlight', 'deadLettered'] as const;
export type StatsField = (typeof STATS_FIELDS)[number];
