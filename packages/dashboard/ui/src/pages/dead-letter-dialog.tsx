import { Dialog } from '../components/dialog';
import { formatTime, prettyJson } from '../format';
import type { DeadLetterView } from '../types';

/** One dead letter in full. Everything is rendered as text: a payload is data, never markup. */
export function DeadLetterDialog({
  letter,
  canRedrive,
  onClose,
  onRedrive,
}: {
  letter: DeadLetterView;
  /** Offer "Redrive" for this one (not read-only, and the server can redrive by id). */
  canRedrive: boolean;
  onClose: () => void;
  onRedrive: () => void;
}) {
  const { record } = letter;
  const attributes = Object.entries(letter.attributes);
  return (
    <Dialog title="Dead letter" onClose={onClose} wide>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{letter.id}</code>
        </dd>
        {record === null ? (
          <>
            <dt>Reason</dt>
            <dd>unknown: the broker moved it (no error recorded)</dd>
          </>
        ) : (
          <>
            <dt>Reason</dt>
            <dd>{record.reason}</dd>
            <dt>Error</dt>
            <dd class="error-name">{record.errorName}</dd>
            <dt>Message</dt>
            <dd class="error-message">{record.errorMessage}</dd>
            <dt>Attempts</dt>
            <dd>{record.attempts}</dd>
            <dt>Source queue</dt>
            <dd>{record.sourceQueue}</dd>
            <dt>Failed at</dt>
            <dd>
              <time dateTime={new Date(record.failedAt).toISOString()}>{formatTime(record.failedAt)}</time>
            </dd>
          </>
        )}
      </dl>
      <h3>Payload</h3>
      {letter.bodyText === undefined ? (
        <pre class="payload">{prettyJson(letter.payload)}</pre>
      ) : (
        <>
          <p class="note">Not decodable as JSON: the raw body, as text.</p>
          <pre class="payload">{letter.bodyText}</pre>
        </>
      )}
      <h3>Attributes</h3>
      {attributes.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <table class="attributes">
          <caption class="visually-hidden">Attributes</caption>
          <tbody>
            {attributes.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {record?.errorStack !== undefined && (
        <details>
          <summary>Stack</summary>
          <pre class="stack">{record.errorStack}</pre>
        </details>
      )}
      <div class="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        {canRedrive && (
          <button type="button" class="primary" onClick={onRedrive}>
            Redrive
          </button>
        )}
      </div>
    </Dialog>
  );
}
