/**
 * The body Pub/Sub POSTs to a push endpoint, in its default (wrapped) form:
 * `{ "message": { "data": "<base64>", "attributes": {...}, "messageId": "...", "publishTime": "..." },
 *    "subscription": "projects/.../subscriptions/...", "deliveryAttempt": 3 }`.
 * `deliveryAttempt` is only present when the push subscription has a dead-letter policy.
 */
export interface PushRequestBody {
  readonly message: {
    readonly data?: string;
    readonly attributes?: Readonly<Record<string, string>>;
    readonly messageId?: string;
    readonly publishTime?: string;
    readonly orderingKey?: string;
  };
  readonly subscription?: string;
  readonly deliveryAttempt?: number;
}

export type ParsedPushBody =
  | {
      readonly ok: true;
      readonly data: Uint8Array;
      readonly attributes: Readonly<Record<string, string>>;
      readonly messageId: string;
      /** Epoch ms, or undefined when absent or unreadable. */
      readonly publishTime: number | undefined;
      /** 0 when Pub/Sub sent none. */
      readonly deliveryAttempt: number;
      readonly body: PushRequestBody;
    }
  | { readonly ok: false; readonly reason: string; readonly raw: Uint8Array };

/**
 * Reads a push request body: already-parsed JSON (from a framework), a string, or bytes. Never
 * throws: anything that is not a wrapped push request comes back as `{ ok: false }` with the raw
 * bytes, to be dead-lettered.
 */
export function parsePushBody(input: unknown): ParsedPushBody {
  let value: unknown = input;
  let raw: Uint8Array | undefined;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    raw = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    try {
      value = JSON.parse(typeof input === 'string' ? input : new TextDecoder().decode(input));
    } catch {
      return { ok: false, reason: 'the request body is not JSON', raw };
    }
  }
  const fail = (reason: string) => ({ ok: false as const, reason, raw: raw ?? toBytes(value) });
  if (typeof value !== 'object' || value === null) return fail('the request body is not a JSON object');
  const body = value as Partial<PushRequestBody>;
  const message = body.message;
  if (typeof message !== 'object' || message === null)
    return fail('the request body has no "message" object');
  if (message.data !== undefined && typeof message.data !== 'string')
    return fail('"message.data" is not a string');
  if (typeof message.messageId !== 'string' || message.messageId === '')
    return fail('"message.messageId" is missing');
  const attributes: Record<string, string> = {};
  if (message.attributes !== undefined) {
    if (typeof message.attributes !== 'object' || message.attributes === null)
      return fail('"message.attributes" is not an object');
    for (const [name, attribute] of Object.entries(message.attributes)) {
      if (typeof attribute !== 'string') return fail(`attribute "${name}" is not a string`);
      attributes[name] = attribute;
    }
  }
  const published = message.publishTime === undefined ? Number.NaN : Date.parse(message.publishTime);
  const attempt = body.deliveryAttempt;
  return {
    ok: true,
    data: Buffer.from(message.data ?? '', 'base64'),
    attributes,
    messageId: message.messageId,
    publishTime: Number.isFinite(published) ? published : undefined,
    deliveryAttempt:
      typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt > 0 ? attempt : 0,
    body: body as PushRequestBody,
  };
}

function toBytes(value: unknown): Uint8Array {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return new TextEncoder().encode(text);
}
