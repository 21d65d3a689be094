import { get } from '../api';
import { formatAgo, formatTime, formatValue } from '../format';
import type { InfoResponse } from '../types';
import { usePolling } from '../use-polling';

export function BrokerPage() {
  const info = usePolling(() => get<InfoResponse>('api/info'), 5_000, 'broker');
  const data = info.data;
  return (
    <section aria-labelledby="broker-title">
      <div class="page-head">
        <h1 id="broker-title">Broker</h1>
      </div>
      {info.error && (
        <p class="alert" role="alert">
          Could not read the broker: {info.error.message}
        </p>
      )}
      {data !== undefined && (
        <>
          <dl class="facts card">
            <dt>Adapter</dt>
            <dd>{data.broker.adapter}</dd>
            <dt>URL</dt>
            <dd>
              <code>{data.broker.url}</code>
            </dd>
            <dt>Health</dt>
            <dd>
              <Health health={data.health} />
            </dd>
            <dt>Mode</dt>
            <dd>{data.readOnly ? 'read-only' : 'read and write'}</dd>
          </dl>
          <h2>Capabilities</h2>
          <div class="table-wrap">
            <table class="capabilities">
              <caption class="visually-hidden">
                What the {data.broker.adapter} adapter declares it can do
              </caption>
              <thead>
                <tr>
                  <th scope="col">Capability</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(data.broker.capabilities).map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td>{formatValue(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Background errors</h2>
          {data.errors.length === 0 ? (
            <p class="muted">None since the dashboard started.</p>
          ) : (
            <ul class="errors">
              {data.errors.map((error) => (
                <li key={`${error.at}-${error.action}`}>
                  <time dateTime={new Date(error.at).toISOString()}>{formatTime(error.at)}</time>{' '}
                  <strong>{error.name}</strong> during {error.action}
                  {error.queue === undefined ? '' : ` on ${error.queue}`}: {error.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function Health({ health }: { health: InfoResponse['health'] }) {
  if (health.ok === undefined) return <span class="muted">not checked yet</span>;
  const when = health.checkedAt === undefined ? '' : ` · checked ${formatAgo(health.checkedAt)}`;
  return health.ok ? (
    <span class="ok">connected{when}</span>
  ) : (
    <span class="bad">
      failing{when}: {health.error}
    </span>
  );
}
