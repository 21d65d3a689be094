import { ConfigError } from '@polyqueue/core';
import { AmqpTimeoutError, AmqpUnavailableError } from './amqp-errors.js';

/**
 * A refusal of the management HTTP API, its status as the AMQP reply code that means the same
 * (so that `amqpErrorCode` maps it): 401/403 → 403 ACCESS_REFUSED, 404 → 404 NOT_FOUND.
 */
export class AmqpManagementError extends Error {
  readonly code: number | 'AMQP_UNAVAILABLE';
  readonly status: number;
  constructor(status: number, path: string) {
    super(`the RabbitMQ management API answered ${status} to GET ${path}`);
    this.status = status;
    this.code = status === 401 || status === 403 ? 403 : status === 404 ? 404 : 'AMQP_UNAVAILABLE';
  }
  override get name(): string {
    return 'AmqpManagementError';
  }
}

/** What polyqueue reads of GET /api/queues/{vhost}/{name}. */
export interface ManagedQueue {
  /** Delivered to a consumer and not yet acknowledged. */
  readonly messagesUnacknowledged: number | undefined;
}

/**
 * The few read-only calls of the RabbitMQ management HTTP API the driver makes, for what AMQP
 * 0-9-1 cannot tell: a queue's unacknowledged count, and which queues exist. Credentials from the
 * URL go in an Authorization header (fetch refuses URLs that carry them); every call is bounded.
 */
export class ManagementApi {
  readonly #base: string;
  readonly #authorization: string | undefined;
  readonly #vhost: string;
  readonly #timeoutMs: number;

  constructor(url: string, vhost: string, timeoutMs: number) {
    const parsed = parseManagementUrl(url);
    this.#authorization =
      parsed.username === ''
        ? undefined
        : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
    this.#base = parsed.href.replace(/\/+$/, '');
    this.#vhost = encodeURIComponent(vhost);
    this.#timeoutMs = timeoutMs;
  }

  async queue(nativeName: string): Promise<ManagedQueue> {
    const body = (await this.#get(`/api/queues/${this.#vhost}/${encodeURIComponent(nativeName)}`)) as {
      messages_unacknowledged?: unknown;
    };
    const count = body.messages_unacknowledged;
    return { messagesUnacknowledged: typeof count === 'number' ? count : undefined };
  }

  /** The queues bound to `exchange` (its bindings as source); none when it does not exist. */
  async queuesBoundTo(exchange: string): Promise<string[]> {
    const path = `/api/exchanges/${this.#vhost}/${encodeURIComponent(exchange)}/bindings/source`;
    let bindings: unknown;
    try {
      bindings = await this.#get(path);
    } catch (error) {
      if (error instanceof AmqpManagementError && error.status === 404) return [];
      throw error;
    }
    if (!Array.isArray(bindings)) return [];
    const queues = (bindings as { destination?: unknown; destination_type?: unknown }[])
      .filter((binding) => binding.destination_type === 'queue' && typeof binding.destination === 'string')
      .map((binding) => binding.destination as string);
    return [...new Set(queues)];
  }

  async #get(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        headers: {
          accept: 'application/json',
          ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
        },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      if ((error as { name?: unknown }).name === 'TimeoutError')
        throw new AmqpTimeoutError(`the RabbitMQ management API did not answer within ${this.#timeoutMs} ms`);
      throw new AmqpUnavailableError('the RabbitMQ management API is unreachable', { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AmqpManagementError(response.status, path);
    }
    return response.json();
  }
}

/** `management_url` must be an http(s) URL with no path beyond the API's root. */
export function parseManagementUrl(text: string): URL {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigError(
      'Parameter management_url must be an http:// or https:// URL, e.g. http://user:pass@host:15672',
    );
  return url;
}

/** The spellings of the management URL's password a message may show (raw, percent- and form-encoded). */
export function managementSecrets(text: string): string[] {
  if (!URL.canParse(text)) return [];
  const { password, username } = new URL(text);
  const secret = decodeURIComponent(password || username);
  if (secret.length < 3) return [];
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      password,
    ]),
  ];
}
