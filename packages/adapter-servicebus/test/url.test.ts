import { inspect } from 'node:util';
import { ConfigError, connect, VirtualClock } from '@polyqueue/core';
import type { DriverContext } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';
import { adapter, connectionStringToUrl, createServiceBusAdapter } from '../src/index.js';
import { settingsFromParams, targetFromUrl } from '../src/settings.js';
import { FakeBusClient } from './fake/fake-bus-client.js';
import { FakeServiceBus } from './fake/fake-service-bus.js';

const KEY = 'S3cr3t+Key/With=Padding=';

function context(text: string) {
  const url = new URL(text);
  return { url, redacted: '<redacted>', params: new Map(url.searchParams) };
}

describe('servicebus URLs', () => {
  it('a namespace alone means passwordless sign-in', () => {
    expect(targetFromUrl(context('servicebus://my-ns.servicebus.windows.net'))).toEqual({
      kind: 'passwordless',
      host: 'my-ns.servicebus.windows.net',
    });
  });

  it('user info is a SAS key name and percent-encoded key, turned into a connection string', () => {
    const url = `servicebus://RootManageSharedAccessKey:${encodeURIComponent(KEY)}@my-ns.servicebus.windows.net`;
    expect(targetFromUrl(context(url))).toEqual({
      kind: 'connection-string',
      host: 'my-ns.servicebus.windows.net',
      connectionString: `Endpoint=sb://my-ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${KEY}`,
    });
  });

  it('a connection string converts to the equivalent URL and back', () => {
    const connectionString = `Endpoint=sb://my-ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${KEY}`;
    const url = connectionStringToUrl(connectionString);
    expect(url).toBe(`servicebus://Root:${encodeURIComponent(KEY)}@my-ns.servicebus.windows.net`);
    expect(targetFromUrl(context(url))).toMatchObject({ connectionString });
  });

  it('connect() takes the connection string itself: the adapter signs in with that same string', async () => {
    const connectionString = `Endpoint=sb://my-ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${KEY}`;
    const seen: DriverContext[] = [];
    const viaFake = createServiceBusAdapter(async (context) => {
      seen.push(context);
      return { bus: new FakeBusClient(new FakeServiceBus(new VirtualClock())) };
    });
    const broker = await connect(connectionString, { adapters: { servicebus: viaFake }, provision: false });
    await broker.close();
    expect(seen).toHaveLength(1);
    expect(targetFromUrl(seen[0]!)).toEqual({
      kind: 'connection-string',
      host: 'my-ns.servicebus.windows.net',
      connectionString,
    });
    expect(inspect(broker)).not.toContain(KEY);
  });

  it('a malformed connection string is a ConfigError that does not quote it', () => {
    let error: unknown;
    try {
      connectionStringToUrl(`SharedAccessKey=${KEY}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(inspect(error, { depth: 5 })).not.toContain(KEY);
  });

  it('reads parameters, and rejects bad values with a ConfigError naming them', () => {
    expect(
      settingsFromParams(
        context('servicebus://ns.servicebus.windows.net?queue_prefix=prod-&dedup_window_ms=600000'),
      ),
    ).toEqual({ queuePrefix: 'prod-', sessions: false, dedupWindowMs: 600_000, maxMessageBytes: 245_760 });
    expect(() => settingsFromParams(context('servicebus://ns?dedup_window_ms=1000'))).toThrow(
      /dedup_window_ms/,
    );
    expect(() => settingsFromParams(context('servicebus://ns?max_message_bytes=-1'))).toThrow(ConfigError);
    // The kit's one set of spellings: booleans as true/false/1/0, whole numbers in decimal digits only.
    expect(settingsFromParams(context('servicebus://ns?sessions=1')).sessions).toBe(true);
    expect(() => settingsFromParams(context('servicebus://ns?max_message_bytes=1e3'))).toThrow(
      /max_message_bytes.*"1e3"/,
    );
  });

  it('connect() rejects a URL without a namespace, or with a path, as a ConfigError without the key', async () => {
    for (const url of [
      `servicebus://Root:${encodeURIComponent(KEY)}@/`,
      'servicebus://ns.servicebus.windows.net/queue',
    ]) {
      const error = await connect(url, { adapters: { servicebus: adapter } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(inspect(error, { depth: 5 })).not.toContain(KEY);
      expect(inspect(error, { depth: 5 })).not.toContain(encodeURIComponent(KEY));
    }
  });
});
