import { useState } from 'preact/hooks';
import { get, post, queuePath } from '../api';
import type { QueuesResponse } from '../types';
import { usePolling } from '../use-polling';

const UNITS = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNITS;
const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

/** The payload is parsed as the user types: nothing invalid is ever sent. */
function checkJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

export function SendPage({ queue: initialQueue = '' }: { queue?: string }) {
  const queues = usePolling(() => get<QueuesResponse>('api/queues'), 0, 'send-queues');
  const [queue, setQueue] = useState(initialQueue);
  const [payload, setPayload] = useState('{\n  "to": "ada@example.com"\n}');
  const [delay, setDelay] = useState('');
  const [unit, setUnit] = useState<Unit>('s');
  const [attributes, setAttributes] = useState<readonly (readonly [string, string])[]>([]);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const [sending, setSending] = useState(false);

  const parsed = checkJson(payload);
  const delayValue = delay.trim() === '' ? 0 : Number(delay);
  const delayOk = Number.isFinite(delayValue) && delayValue >= 0;
  const queueOk = QUEUE_NAME.test(queue);
  const attributesOk = attributes.every(([key]) => key.trim() !== '');
  const valid = parsed.ok && delayOk && queueOk && attributesOk;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!valid || !parsed.ok) return;
    setSending(true);
    setResult(undefined);
    try {
      const { id } = await post<{ id: string }>(`${queuePath(queue)}/jobs`, {
        payload: parsed.value,
        delayMs: delayValue * UNITS[unit],
        attributes: Object.fromEntries(attributes.map(([k, v]) => [k.trim(), v])),
      });
      setResult({ ok: true, text: `Sent to ${queue}: job ${id}` });
    } catch (failure) {
      setResult({ ok: false, text: `Not sent: ${(failure as Error).message}` });
    } finally {
      setSending(false);
    }
  };

  const setAttribute = (index: number, at: 0 | 1, value: string) =>
    setAttributes(
      attributes.map((pair, i) => (i !== index ? pair : at === 0 ? [value, pair[1]] : [pair[0], value])),
    );

  return (
    <section aria-labelledby="send-title">
      <div class="page-head">
        <h1 id="send-title">Send a job</h1>
      </div>
      <form class="card send" onSubmit={submit} noValidate>
        <label for="send-queue">Queue</label>
        <input
          id="send-queue"
          list="known-queues"
          value={queue}
          onInput={(e) => setQueue(e.currentTarget.value)}
          aria-invalid={queue !== '' && !queueOk}
          aria-describedby="send-queue-hint"
          required
        />
        <datalist id="known-queues">
          {queues.data?.queues.map((q) => (
            <option key={q.name} value={q.name} />
          ))}
        </datalist>
        <p id="send-queue-hint" class="hint">
          Letters, digits, ".", "_" or "-"; the queue's workers receive it.
        </p>

        <label for="send-payload">Payload (JSON)</label>
        <textarea
          id="send-payload"
          class="code"
          rows={10}
          spellcheck={false}
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
          aria-invalid={!parsed.ok}
          aria-describedby="send-payload-check"
        />
        <p id="send-payload-check" class={parsed.ok ? 'hint ok' : 'field-error'} aria-live="polite">
          {parsed.ok ? 'Valid JSON' : `Invalid JSON: ${parsed.message}`}
        </p>

        <fieldset>
          <legend>Delay</legend>
          <div class="inline">
            <input
              id="send-delay"
              type="number"
              min="0"
              inputMode="decimal"
              placeholder="0"
              aria-label="Delay amount"
              value={delay}
              onInput={(e) => setDelay(e.currentTarget.value)}
              aria-invalid={!delayOk}
            />
            <select
              aria-label="Delay unit"
              value={unit}
              onChange={(e) => setUnit(e.currentTarget.value as Unit)}
            >
              {Object.keys(UNITS).map((u) => (
                <option key={u} value={u}>
                  {u}
                </option>
              ))}
            </select>
          </div>
          <p class="hint">Delivered no earlier than this from now; empty sends at once.</p>
        </fieldset>

        <fieldset>
          <legend>Attributes</legend>
          {attributes.map(([key, value], index) => (
            <div class="inline" key={index}>
              <input
                aria-label={`Attribute ${index + 1} name`}
                placeholder="name"
                value={key}
                onInput={(e) => setAttribute(index, 0, e.currentTarget.value)}
              />
              <input
                aria-label={`Attribute ${index + 1} value`}
                placeholder="value"
                value={value}
                onInput={(e) => setAttribute(index, 1, e.currentTarget.value)}
              />
              <button
                type="button"
                class="icon"
                aria-label={`Remove attribute ${index + 1}`}
                onClick={() => setAttributes(attributes.filter((_, i) => i !== index))}
              >
                ×
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setAttributes([...attributes, ['', '']])}>
            Add attribute
          </button>
        </fieldset>

        <div class="actions">
          <button type="submit" class="primary" disabled={!valid || sending}>
            {sending ? 'Sending…' : 'Send'}
          </button>
        </div>
        <p class={result === undefined ? 'visually-hidden' : result.ok ? 'note ok' : 'alert'} role="status">
          {result?.text ?? ''}
        </p>
      </form>
    </section>
  );
}
