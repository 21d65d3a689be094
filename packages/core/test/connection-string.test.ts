import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  isServiceBusConnectionString,
  serviceBusConnectionStringToUrl,
} from '../src/config/connection-string.js';
import { queueUrlSecrets } from '../src/config/resolve-driver.js';
import { redactingLogger } from '../src/config/secrets.js';
import type { AdapterModule, DriverContext } from '../src/driver/index.js';
import { ConfigError, connect, MemoryServer } from '../src/index.js';

/** A base64 key with the characters a URL must encode. */
const KEY = 'S3cr3t+Key/With=Padding=';
const HOST = 'my-ns.servicebus.windows.net';
const PORTAL = `Endpoint=sb://${HOST}/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${KEY}`;

/** A servicebus adapter that records the context it was given and connects to memory instead. */
function recordingAdapter(seen: DriverContext[], fail?: (context: DriverContext) => Error): AdapterModule {
  return {
    schemes: ['servicebus'],
    parameters: [],
    async createDriver(context) {
      seen.push(context);
      if (fail) throw fail(context);
      return new MemoryServer().connect();
    },
  };
}

describe('Azure Service Bus connection strings', () => {
  it('are recognised by their Endpoint=sb:// part, in any order; URLs and other text are not', () => {
    expect(isServiceBusConnectionString(PORTAL)).toBe(true);
    expect(
      isServiceBusConnectionString(`SharedAccessKey=${KEY}; SharedAccessKeyName=Root; Endpoint=SB://${HOST}`),
    ).toBe(true);
    expect(isServiceBusConnectionString(`servicebus://Root:${encodeURIComponent(KEY)}@${HOST}`)).toBe(false);
    expect(isServiceBusConnectionString('amqp://guest:guest@localhost')).toBe(false);
    expect(isServiceBusConnectionString('Endpoint=https://account.blob.core.windows.net/')).toBe(false);
  });

  it('convert to the equivalent servicebus:// URL, the key percent-encoded', () => {
    const url = new URL(serviceBusConnectionStringToUrl(PORTAL));
    expect(url.protocol).toBe('servicebus:');
    expect(url.host).toBe(HOST);
    expect(decodeURIComponent(url.username)).toBe('RootManageSharedAccessKey');
    expect(decodeURIComponent(url.password)).toBe(KEY);
  });

  it('connect() takes one and hands the adapter the servicebus:// URL', async () => {
    const seen: DriverContext[] = [];
    const broker = await connect(PORTAL, { adapters: { servicebus: recordingAdapter(seen) } });
    await broker.close();
    const [context] = seen;
    expect(context?.url.host).toBe(HOST);
    expect(decodeURIComponent(context?.url.password ?? '')).toBe(KEY);
    expect(context?.redacted).not.toContain(encodeURIComponent(KEY));
  });

  it('an adapter error quoting the key, raw or encoded, reaches the caller masked', async () => {
    const seen: DriverContext[] = [];
    const adapter = recordingAdapter(
      seen,
      (context) => new Error(`auth failed for ${KEY} at ${context.url.href}`),
    );
    const error = await connect(PORTAL, { adapters: { servicebus: adapter } }).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(Error);
    const shown = inspect(error, { depth: 5 });
    expect(shown).toContain('auth failed');
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(encodeURIComponent(KEY));
  });

  it('the secrets connect() masks in log lines cover the key in both spellings', () => {
    const logged: string[] = [];
    const sink = { warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
    const logger = redactingLogger(sink, queueUrlSecrets(PORTAL));
    logger.warn(`raw ${KEY} and in its URL ${serviceBusConnectionStringToUrl(PORTAL)}`);
    expect(logged.join('\n')).toContain('raw ');
    expect(logged.join('\n')).not.toContain(KEY);
    expect(logged.join('\n')).not.toContain(encodeURIComponent(KEY));
  });

  it('a bad one is a ConfigError naming the missing fields, never showing the key', async () => {
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
      expect(inspect(error, { depth: 5 })).not.toContain(KEY);
      expect(inspect(error, { depth: 5 })).not.toContain(encodeURIComponent(KEY));
      messages.push((error as Error).message);
    }
    expect(messages[0]).toMatch(/lacks SharedAccessKeyName/);
    expect(messages[1]).toMatch(/Not an Azure Service Bus connection string/);
    expect(messages[2]).toMatch(/EntityPath.*createServiceBusDriver\(\{ connectionString \}\)/);
    expect(messages[3]).toMatch(/SharedAccessSignature/);
  });
});
