import { ConfigError } from '@polyqueue/core';

/**
 * Azure Service Bus connection strings (`Endpoint=sb://<ns>.servicebus.windows.net/;
 * SharedAccessKeyName=…;SharedAccessKey=…`, as the Azure portal shows them) are not URLs, yet
 * users paste them where a URL goes. The adapter owns them: `adapter.recognize` turns one into the
 * equivalent `servicebus://<keyName>:<key>@<ns>` URL for `connect()`, and `adapter.secrets` tells
 * core which values to mask (core itself knows no broker's connection strings).
 *
 * Every error names fields, never values: the string holds the key.
 */

/** Parts as the Azure SDK reads them: `;`-separated `Name=value`, names case-sensitive, split at the first `=`. */
function parseParts(text: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const raw of text.trim().split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const split = part.indexOf('=');
    if (split <= 0) return undefined;
    parts.set(part.slice(0, split).trim(), part.slice(split + 1).trim());
  }
  return parts;
}

/** True for text shaped like a Service Bus connection string: `;`-separated pairs with `Endpoint=sb://…`. */
export function isServiceBusConnectionString(text: string): boolean {
  const endpoint = parseParts(text)?.get('Endpoint');
  return endpoint !== undefined && /^sb:\/\//i.test(endpoint);
}

const EXPECTED =
  'expected Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=<policy>;SharedAccessKey=<key>';

/**
 * The `servicebus://` URL equivalent to a SAS key connection string. Other kinds the SDK accepts
 * (a SAS token, the local emulator's, one scoped to an entity by `EntityPath`) have no URL form:
 * they are refused with a `ConfigError` that says how to pass them instead.
 */
export function serviceBusConnectionStringToUrl(connectionString: string): string {
  const parts = parseParts(connectionString);
  const endpoint = parts?.get('Endpoint');
  const host = endpoint === undefined ? undefined : /^sb:\/\/([^/;@?#]+)/i.exec(endpoint)?.[1];
  if (!parts || !host) throw new ConfigError(`Not an Azure Service Bus connection string (${EXPECTED})`);
  const other = ['SharedAccessSignature', 'UseDevelopmentEmulator', 'EntityPath'].filter((name) =>
    parts.has(name),
  );
  if (other.length > 0) {
    throw new ConfigError(
      `This Service Bus connection string has ${other.join(', ')}, which no servicebus:// URL can express. ` +
        'Pass it to the adapter instead: connect({ driver: createServiceBusDriver({ connectionString }) }) ' +
        `from @polyqueue/adapter-servicebus; connect() takes only SAS key strings (${EXPECTED}).`,
    );
  }
  const keyName = parts.get('SharedAccessKeyName');
  const key = parts.get('SharedAccessKey');
  if (!keyName || !key) {
    const missing = [keyName ? '' : 'SharedAccessKeyName', key ? '' : 'SharedAccessKey'].filter(Boolean);
    throw new ConfigError(
      `This Service Bus connection string lacks ${missing.join(' and ')} (${EXPECTED}). ` +
        'For passwordless sign-in, connect to servicebus://<namespace>.servicebus.windows.net instead.',
    );
  }
  return `servicebus://${encodeURIComponent(keyName)}:${encodeURIComponent(key)}@${host}`;
}

/** `AdapterModule.recognize`: a connection string's URL; undefined for any other text. */
export function recognizeConnectionString(text: string): string | undefined {
  return isServiceBusConnectionString(text) ? serviceBusConnectionStringToUrl(text) : undefined;
}

/**
 * `AdapterModule.secrets`: the credentials of a connection string, in every spelling they may be
 * quoted in (as written, and percent-encoded as in its URL form): the key, the key name (some
 * deployments treat it as secret too), and a SAS token with its `sig`. Nothing for other text: a
 * `servicebus://` URL's key is its password, which core masks itself.
 */
export function connectionStringSecrets(text: string): readonly string[] {
  if (!isServiceBusConnectionString(text)) return [];
  const parts = parseParts(text)!;
  const values = ['SharedAccessKey', 'SharedAccessKeyName', 'SharedAccessSignature'].flatMap((name) => {
    const value = parts.get(name);
    return value ? [value] : [];
  });
  const sig = /[?&\s]sig=([^&\s]+)/.exec(parts.get('SharedAccessSignature') ?? '')?.[1];
  if (sig) values.push(sig);
  const spellings = values.flatMap((value) => [value, encodeURIComponent(value)]);
  // Short values (a key name like "Root") would mask ordinary words: keep those of 3+ characters.
  return [...new Set(spellings.filter((value) => value.length >= 3))];
}
