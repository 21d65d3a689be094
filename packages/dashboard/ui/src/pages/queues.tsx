import { useState } from 'preact/hooks';
import { get } from '../api';
import { Chart } from '../components/chart';
import { Count } from '../components/count';
import { FIELD_LABELS, formatAgo } from '../format';
import { href } from '../router';
import { type InfoResponse, type QueuesResponse, STATS_FIELDS } from '../types';
import { usePolling } from '../use-polling';

export function QueuesPage({ readOnly }: { readOnly: boolean }) {
  // As often as the server reads the broker (its refreshMs): more often would show nothing new.
  const [every, setEvery] = useState(2_000);
  const queues = usePolling(() => get<QueuesResponse>('api/queues'), every, 'queues');
  if (queues.data !== undefined && queues.data.refreshMs !== every) setEvery(queues.data.refreshMs);
  const info = usePolling(() => get<InfoResponse>('api/info'), 0, 'info');
  const data = queues.data;
  const adapter = info.data?.broker.adapter ?? 'this broker';

  return (
    <section aria-labelledby="queues-title">
      <div class="page-head">
        <h1 id="queues-title">Queues</h1>
        <p class="muted" aria-live="polite">
          {data?.at === undefined ? 'Reading the broker…' : `${adapter} · updated ${formatAgo(data.at)}`}
        </p>
      </div>
      {queues.error && (
        <p class="alert" role="alert">
          Could not read the queues: {queues.error.message}
        </p>
      )}
      {data?.listError !== undefined && <p class="note">{data.listError}</p>}
      {data !== undefined && data.queues.length === 0 && (
        <p class="empty">No queues yet. Queues appear once polyqueue has provisioned them on the broker.</p>
      )}
      {data !== undefined && data.queues.length > 0 && (
        <div class="table-wrap">
          <table class="queues">
            <caption class="visually-hidden">Counts per queue, refreshed every few seconds</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                {STATS_FIELDS.map((field) => (
                  <th scope="col" class="num" key={field}>
                    <span class={`key ${field}`} aria-hidden="true" />
                    {FIELD_LABELS[field]}
                  </th>
                ))}
                <th scope="col">Last {chartMinutes(data)} min</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.queues.map((queue) => (
                <tr key={queue.name} data-queue={queue.name}>
                  <th scope="row">
                    <a href={href({ page: 'dead-letters', queue: queue.name })}>{queue.name}</a>
                    {queue.error !== undefined && (
                      <span class="row-error" role="note">
                        {queue.error}
                      </span>
                    )}
                  </th>
                  {STATS_FIELDS.map((field) => (
                    <td class="num" key={field} data-field={field} data-label={FIELD_LABELS[field]}>
                      <Count value={queue.latest?.[field]} field={field} adapter={adapter} />
                    </td>
                  ))}
                  <td class="chart-cell">
                    <Chart history={queue.history} name={queue.name} />
                  </td>
                  <td class="row-actions">
                    <a href={href({ page: 'dead-letters', queue: queue.name })}>Dead letters</a>
                    {!readOnly && <a href={href({ page: 'send', queue: queue.name })}>Send</a>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function chartMinutes(data: QueuesResponse): number {
  const spans = data.queues.map((q) => (q.history.at(-1)?.at ?? 0) - (q.history[0]?.at ?? 0));
  return Math.max(1, Math.round(Math.max(0, ...spans) / 60_000));
}
