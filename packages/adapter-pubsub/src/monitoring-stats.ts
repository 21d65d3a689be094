/**
 * The one call of Cloud Monitoring's `MetricServiceClient` (`@google-cloud/monitoring`) the
 * driver makes, narrowed: pass your own client as the `monitoring` option. polyqueue does not
 * depend on that package, and the data plane of Pub/Sub counts nothing.
 */
export interface MonitoringClient {
  listTimeSeries(request: {
    readonly name: string;
    readonly filter: string;
    readonly interval: { readonly startTime: { seconds: number }; readonly endTime: { seconds: number } };
    readonly view: 'FULL';
  }): Promise<readonly [readonly TimeSeriesLike[] | null | undefined, ...unknown[]]>;
}

/** What is read of one `google.monitoring.v3.TimeSeries`. */
export interface TimeSeriesLike {
  readonly resource?: { readonly labels?: Readonly<Record<string, string>> | null } | null;
  /** Newest first, as the API returns them. `int64Value` is a string, a number or a Long. */
  readonly points?: readonly { readonly value?: { readonly int64Value?: unknown } | null }[] | null;
}

const METRIC = 'pubsub.googleapis.com/subscription/num_undelivered_messages';
/** The metric is sampled every minute and can lag up to about three: look back five. */
const LOOK_BACK_S = 300;

/**
 * The newest `num_undelivered_messages` (unacknowledged messages, leased ones included) of each
 * subscription, by short name; a subscription with no sample in the last five minutes is absent.
 */
export async function undeliveredCounts(
  client: MonitoringClient,
  projectId: string,
  subscriptions: readonly string[],
  nowMs: number,
): Promise<Map<string, number>> {
  const end = Math.floor(nowMs / 1_000);
  const ids = subscriptions.map((name) => JSON.stringify(name)).join(', ');
  const [series] = await client.listTimeSeries({
    name: `projects/${projectId}`,
    filter: `metric.type = "${METRIC}" AND resource.type = "pubsub_subscription" AND resource.labels.subscription_id = one_of(${ids})`,
    interval: { startTime: { seconds: end - LOOK_BACK_S }, endTime: { seconds: end } },
    view: 'FULL',
  });
  const counts = new Map<string, number>();
  for (const one of series ?? []) {
    const id = one.resource?.labels?.subscription_id;
    const value = Number(String(one.points?.[0]?.value?.int64Value ?? Number.NaN));
    if (id !== undefined && Number.isFinite(value) && !counts.has(id)) counts.set(id, value);
  }
  return counts;
}
