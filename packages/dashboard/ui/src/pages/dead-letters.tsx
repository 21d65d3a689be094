import { useState } from 'preact/hooks';
import { get, post, queuePath } from '../api';
import { Confirm } from '../components/dialog';
import { formatTime } from '../format';
import { href } from '../router';
import type { DeadLetterPage, DeadLetterView } from '../types';
import { usePolling } from '../use-polling';
import { DeadLetterDialog } from './dead-letter-dialog';

const PAGE_SIZE = 25;

type Pending =
  | { readonly kind: 'redrive'; readonly ids?: readonly string[]; readonly label: string }
  | { readonly kind: 'purge' };

export function DeadLettersPage({ queue, readOnly }: { queue: string; readOnly: boolean }) {
  /** Rows get checkboxes and the dialog a Redrive button (every adapter redrives chosen letters). */
  const choosing = !readOnly;
  const [offset, setOffset] = useState(0);
  const [reason, setReason] = useState('');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<DeadLetterView | undefined>(undefined);
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>(undefined);

  const params = new URLSearchParams({ offset: String(offset), limit: String(PAGE_SIZE) });
  if (reason !== '') params.set('reason', reason);
  if (text.trim() !== '') params.set('text', text.trim());
  const page = usePolling(
    () => get<DeadLetterPage>(`${queuePath(queue)}/dead-letters?${params}`),
    5_000,
    `${queue}?${params}`,
  );
  const data = page.data;

  const run = async (action: Pending) => {
    setPending(undefined);
    try {
      if (action.kind === 'purge') {
        const { deleted } = await post<{ deleted: number }>(`${queuePath(queue)}/dead-letters/purge`, {});
        setStatus({ ok: true, text: `Purged ${deleted} dead letter(s).` });
      } else {
        const body = action.ids === undefined ? { all: true } : { ids: action.ids };
        const { moved } = await post<{ moved: number }>(`${queuePath(queue)}/dead-letters/redrive`, body);
        setStatus({ ok: true, text: `Redrove ${moved} dead letter(s) back to ${queue}.` });
      }
      setSelected(new Set());
      setOpen(undefined);
      page.reload();
    } catch (failure) {
      setStatus({ ok: false, text: (failure as Error).message });
    }
  };

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const filterChanged = () => {
    setOffset(0);
    setSelected(new Set());
  };

  return (
    <section aria-labelledby="dl-title">
      <div class="page-head">
        <p class="crumbs">
          <a href={href({ page: 'queues' })}>Queues</a> /
        </p>
        <h1 id="dl-title">
          Dead letters of <span class="name">{queue}</span>
        </h1>
      </div>
      <form class="filters" aria-label="Filter dead letters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Reason
          <select
            value={reason}
            onChange={(e) => {
              setReason(e.currentTarget.value);
              filterChanged();
            }}
          >
            <option value="">any</option>
            {Object.entries(data?.reasons ?? {}).map(([name, count]) => (
              <option key={name} value={name}>
                {name} ({count})
              </option>
            ))}
            {reason !== '' && !Object.hasOwn(data?.reasons ?? {}, reason) && (
              <option value={reason}>{reason}</option>
            )}
          </select>
        </label>
        <label>
          Error text
          <input
            type="search"
            value={text}
            placeholder="e.g. timeout"
            onInput={(e) => {
              setText(e.currentTarget.value);
              filterChanged();
            }}
          />
        </label>
      </form>
      {!readOnly && (
        <div class="toolbar" role="toolbar" aria-label="Dead-letter actions">
          {choosing && (
            <button
              type="button"
              disabled={selected.size === 0}
              onClick={() =>
                setPending({ kind: 'redrive', ids: [...selected], label: `${selected.size} selected` })
              }
            >
              Redrive selected ({selected.size})
            </button>
          )}
          <button
            type="button"
            disabled={data === undefined || data.scanned === 0}
            onClick={() => setPending({ kind: 'redrive', label: 'all' })}
          >
            Redrive all
          </button>
          <button
            type="button"
            class="danger"
            disabled={data === undefined || data.scanned === 0}
            onClick={() => setPending({ kind: 'purge' })}
          >
            Purge
          </button>
        </div>
      )}
      <p class={status === undefined ? 'visually-hidden' : status.ok ? 'note ok' : 'alert'} role="status">
        {status?.text ?? ''}
      </p>
      {page.error && (
        <p class="alert" role="alert">
          Could not read the dead letters: {page.error.message}
        </p>
      )}
      {data !== undefined && data.items.length === 0 && (
        <p class="empty">
          {data.scanned === 0 ? `No dead letters on ${queue}.` : 'No dead letter matches the filter.'}
        </p>
      )}
      {data !== undefined && data.items.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="dead-letters">
              <caption class="visually-hidden">
                Dead letters of {queue}; open a row for its payload and error
              </caption>
              <thead>
                <tr>
                  {choosing && (
                    <th scope="col">
                      <span class="visually-hidden">Select</span>
                    </th>
                  )}
                  <th scope="col">Error</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Failed at</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((letter) => (
                  <tr key={letter.id} data-id={letter.id}>
                    {choosing && (
                      <td>
                        <input
                          type="checkbox"
                          checked={selected.has(letter.id)}
                          onChange={() => toggle(letter.id)}
                          aria-label={`Select dead letter ${letter.id}`}
                        />
                      </td>
                    )}
                    <td class="error-cell">
                      <button type="button" class="link" onClick={() => setOpen(letter)}>
                        {letter.record === null
                          ? 'moved by the broker (no error recorded)'
                          : `${letter.record.errorName}: ${letter.record.errorMessage}`}
                      </button>
                      <span class="id">{letter.id}</span>
                    </td>
                    <td>
                      <span class={`reason ${letter.record?.reason ?? 'unknown'}`}>
                        {letter.record?.reason ?? 'unknown'}
                      </span>
                    </td>
                    <td class="num">{letter.record?.attempts ?? '—'}</td>
                    <td>{letter.record === null ? '—' : formatTime(letter.record.failedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages of dead letters">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              Previous
            </button>
            <span>
              {offset + 1}–{offset + data.items.length} of {data.matched}
              {data.more ? '+' : ''}
            </span>
            <button
              type="button"
              disabled={offset + PAGE_SIZE >= data.matched}
              onClick={() => setOffset(offset + PAGE_SIZE)}
            >
              Next
            </button>
          </nav>
        </>
      )}
      {open !== undefined && (
        <DeadLetterDialog
          letter={open}
          canRedrive={choosing}
          onClose={() => setOpen(undefined)}
          onRedrive={() => setPending({ kind: 'redrive', ids: [open.id], label: 'this one' })}
        />
      )}
      {pending !== undefined && (
        <Confirm
          title={pending.kind === 'purge' ? 'Purge dead letters?' : 'Redrive dead letters?'}
          message={
            pending.kind === 'purge'
              ? `Delete every dead letter of ${queue}? This cannot be undone.`
              : `Move ${pending.label} back to ${queue}, attempts reset?`
          }
          action={pending.kind === 'purge' ? 'Purge' : 'Redrive'}
          danger={pending.kind === 'purge'}
          onCancel={() => setPending(undefined)}
          onConfirm={() => void run(pending)}
        />
      )}
    </section>
  );
}
