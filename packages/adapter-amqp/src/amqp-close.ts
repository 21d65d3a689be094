import { bounded } from './amqp-deadline.js';
import { AmqpUnavailableError } from './amqp-errors.js';

/** A channel or a connection: both close with a CloseOk and emit 'close' once closed. */
export interface Closable {
  close(): Promise<void>;
  once(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}

/**
 * Closes a channel or connection, waiting at most `ms` for the CloseOk.
 *
 * amqplib settles `close()` only when the CloseOk arrives, just before its 'close' event. When the
 * socket dies while the close is on the wire, amqplib emits 'close' and leaves the promise pending
 * for good (amqplib 2.3: `toClosed` never calls the close continuation). Without this, every
 * close that met a dropped connection waited out the whole timeout (publish_timeout_ms, 15 s by
 * default). A 'close' before the CloseOk ends the wait at once, as a failure: the close is not
 * proven, and acks written just before it may have been lost with the connection.
 */
export function closeBounded(resource: Closable, ms: number, what: string): Promise<void> {
  let onClose: (() => void) | undefined;
  const lost = new Promise<never>((_, reject) => {
    // Deferred: a clean close emits 'close' in the same frame as the CloseOk that settles
    // close(), and the CloseOk must win; a dead socket never settles it, so this then fails.
    onClose = () =>
      setImmediate(() => reject(new AmqpUnavailableError(`the connection was lost while ${what}`)));
    resource.once('close', onClose);
  });
  return bounded(Promise.race([resource.close(), lost]), ms, what).finally(() => {
    if (onClose) resource.removeListener('close', onClose);
  });
}
