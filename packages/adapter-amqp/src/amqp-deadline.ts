import { AmqpTimeoutError } from './amqp-errors.js';

/**
 * `work`, or an AmqpTimeoutError once `ms` have passed. AMQP 0-9-1 waits (confirms, RPC replies,
 * CloseOk) have no timer of their own: on a silent partition only heartbeats end them, after two
 * missed beats. The timer does not keep the process alive (the socket does, while it lives).
 * `work` keeps running; `onLate` sees its value if it settles after the deadline, so that a late
 * resource (a connection) can be closed.
 */
export function bounded<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onLate?: (value: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new AmqpTimeoutError(`RabbitMQ did not answer within ${ms} ms: ${what}`));
    }, ms);
    timer.unref();
  });
  if (onLate) {
    void work.then(
      (value) => {
        if (late) onLate(value);
      },
      () => undefined,
    );
  }
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
