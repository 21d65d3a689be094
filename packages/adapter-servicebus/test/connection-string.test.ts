import { inspect } from 'node:util';
import { BrokerError, ConfigError, connect, MemoryServer } from '@polyqueue/core';
import type { AdapterModule, DriverContext } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import {
  connectionStringSecrets,
  isServiceBusConnectionString,
  recognizeConnectionString,
  serviceBusConnectionStringToUrl,
} from '../src/connection-string.js';
import { adapter as serviceBusAdapter } from '../src/index.js';

/** A base64 key with the characters a URL must encode. */
const KEY = 'S3cr3t+Key/With=Padding=';
const HOST = 'my-ns.servicebus.windows.net';
const PORTAL = `Endpoint=sb://${HOST}/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${KEY}`;

/** The real adapter's recognize and secrets, with a driver that records its context (memory inside). */
function recordingAdapter(seen: DriverContext[], fail?: (context: DriverContext) => Error): AdapterModule {
  return {
    ...serviceBusAdapter,
    async createDriver(context) {
      seen.push(context);
      if (fail) throw fail(context);
      return new MemoryServer().connect();
    },
  };
}

function everything(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 8, showHidden: true })}`;
}

describe('Azure Service Bus connection strings: the adapter owns them', () => {
  it('are recognised by their Endpoint=sb:// part, in any order; URLs and other text are not', () => {
    expect(isServiceBusConnectionString(PORTAL)).toBe(true);
    expect(
      isServiceBusConnectionString(`SharedAccessKey=${KEY}; SharedAccessKeyName=Root; Endpoint=SB://${HOST}`),
    ).toBe(true);
    expect(isServiceBusConnectionString(`servicebus://Root:${encodeURIComponent(KEY)}@${HOST}`)).toBe(false);
    expect(isServiceBusConnectionString('amqp://guest:guest@localhost')).toBe(false);
    expect(isServiceBusConnectionString('Endpoint=https://account.blob.core.windows.net/')).toBe(false);
    expect(recognizeConnectionString('Endpoint=https://account.blob.core.windows.net/')).toBeUndefined();
    expect(serviceBusAdapter.recognize).toBe(recognizeConnectionString);
  });

  it('convert to the equivalent servicebus:// URL, the key percent-encoded', () => {
    const url = new URL(serviceBusConnectionStringToUrl(PORTAL));
    expect(url.protocol).toBe('servicebus:');
    expect(url.host).toBe(HOST);
    expect(decodeURIComponent(url.username)).toBe('RootManageSharedAccessKey');
    expect(decodeURIComponent(url.password)).toBe(KEY);
  });

  it('name their key in both spellings as secrets, and nothing for other text', () => {
    const secrets = connectionStringSecrets(PORTAL);
    expect(secrets).toContain(KEY);
    expect(secrets).toContain(encodeURIComponent(KEY));
    expect(connectionStringSecrets(`servicebus://Root:${encodeURIComponent(KEY)}@${HOST}`)).toEqual([]);
    const sas = `Endpoint=sb://${HOST}/;SharedAccessSignature=SharedAccessSignature sr=x&sig=s1gnature&se=1`;
    expect(connectionStringSecrets(sas)).toContain('s1gnature');
  });

  it('connect() takes one and hands the adapter the servicebus:// URL, the key masked in display', async () => {
    const seen: DriverContext[] = [];
    const broker = await connect(PORTAL, { adapters: { servicebus: recordingAdapter(seen) } });
    const [context] = seen;
    expect(context?.url.host).toBe(HOST);
    expect(decodeURIComponent(context?.url.password ?? '')).toBe(KEY);
    for (const shown of [context?.redacted, String(broker), inspect(broker)]) {
      expect(shown).not.toContain(encodeURIComponent(KEY));
      expect(shown).not.toContain(KEY);
    }
    await broker.close();
  });

  it('an adapter error quoting the SharedAccessKey, raw or encoded, reaches the caller masked', async () => {
    const seen: DriverContext[] = [];
    const adapter = recordingAdapter(
      seen,
      (context) => new Error(`auth failed for ${KEY} at ${context.url.href} (${PORTAL})`),
    );
    const error = await connect(PORTAL, { adapters: { servicebus: adapter } }).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(BrokerError);
    const shown = everything(error);
    expect(shown).toContain('auth failed');
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(encodeURIComponent(KEY));
  });

  it('connect() finds the installed adapter by itself; a bad string is a ConfigError naming fields, never the key', async () => {
    const bad = [
      `Endpoint=sb://${HOST}/;SharedAccessKey=${KEY}`, // no key name
      `Endpoint=sb:///;SharedAccessKeyName=Root;SharedAccessKey=${KEY}`, // no namespace
      `Endpoint=sb://${HOST}/;SharedAccessKeyName=Root;SharedAccessKey=${KEY};EntityPath=emails`,
      `Endpoint=sb://${HOST}/;SharedAccessSignature=SharedAccessSignature sr=x&sig=${KEY}&se=1&skn=Root`,
    ];
    const messages: string[] = [];
    for (const text of bad) {
      const error = await connect(text).catch((e: unknown) => e);
      expect(error, text.slice(0, 40)).toBeInstanceOf(ConfigError);
      expect(everything(error)).not.toContain(KEY);
      expect(everything(error)).not.toContain(encodeURIComponent(KEY));
      messages.push((error as Error).message);
    }
    expect(messages[0]).toMatch(/lacks SharedAccessKeyName/);
    expect(messages[1]).toMatch(/Not an Azure Service Bus connection string/);
    expect(messages[2]).toMatch(/EntityPath.*createServiceBusDriver\(\{ connectionString \}\)/);
    expect(messages[3]).toMatch(/SharedAccessSignature/);
  });
});
