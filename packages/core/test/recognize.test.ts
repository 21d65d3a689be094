import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AdapterModule, DriverContext } from '../src/driver/index.js';
import { BrokerError, ConfigError, connect, ErrorCode, MemoryServer } from '../src/index.js';

/** A key with characters a URL must encode. */
const KEY = 'K3y+With/Slash=';
/** A credential only the adapter knows is one: its URL form carries it as a plain parameter. */
const TENANT = 'tenant-s3cr3t';
const TEXT = `Host=h.example;Key=${KEY};Tenant=${TENANT}`;

interface Calls {
  recognize: string[];
  contexts: DriverContext[];
}

/** A third-party adapter whose users paste `Host=…;Key=…;Tenant=…` texts instead of URLs. */
function kvAdapter(
  calls: Calls,
  options: { fail?: (context: DriverContext) => unknown; secrets?: boolean } = {},
) {
  const adapter: AdapterModule = {
    schemes: ['kv'],
    parameters: ['tenant'],
    recognize(text) {
      calls.recognize.push(text);
      if (!text.startsWith('Host=')) return undefined;
      const parts = new Map(text.split(';').map((part) => part.split('=', 2) as [string, string]));
      if (!parts.get('Key')) throw new ConfigError('This kv connection text lacks Key');
      return `kv://user:${encodeURIComponent(text.slice(text.indexOf('Key=') + 4, text.indexOf(';Tenant')))}@${parts.get('Host')}?tenant=${parts.get('Tenant')}`;
    },
    async createDriver(context) {
      calls.contexts.push(context);
      if (options.fail) throw options.fail(context);
      return new MemoryServer().connect();
    },
  };
  if (options.secrets !== false) {
    adapter.secrets = (text) => {
      const tenant = /[;?&]tenant=([^;&]+)/i.exec(text)?.[1];
      return tenant ? [tenant] : [];
    };
  }
  return adapter;
}

function newCalls(): Calls {
  return { recognize: [], contexts: [] };
}

function everything(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 8, showHidden: true })}`;
}

describe('AdapterModule.recognize: a text that is not a URL becomes the URL of the adapter that knows it', () => {
  it('hands the adapter its URL and shows the broker with every credential masked', async () => {
    const calls = newCalls();
    const broker = await connect(TEXT, { adapters: { kv: kvAdapter(calls) } });
    const [context] = calls.contexts;
    expect(context?.url.host).toBe('h.example');
    expect(decodeURIComponent(context?.url.password ?? '')).toBe(KEY);
    expect(context?.params.get('tenant')).toBe(TENANT);
    for (const shown of [context?.redacted, String(broker), inspect(broker), JSON.stringify(broker)]) {
      expect(shown).not.toContain(encodeURIComponent(KEY));
      expect(shown).not.toContain(TENANT);
    }
    await broker.close();
  });

  it('is asked only for text that is not a URL', async () => {
    const calls = newCalls();
    const broker = await connect(`kv://user:pw123@h?tenant=${TENANT}`, {
      adapters: { kv: kvAdapter(calls) },
    });
    expect(calls.recognize).toEqual([]);
    expect(calls.contexts).toHaveLength(1);
    await broker.close();
  });

  it('is not asked for a malformed URL written as scheme://: that is refused as a URL at once', async () => {
    const calls = newCalls();
    const error = await connect('kv://user:pw123@[::bad', { adapters: { kv: kvAdapter(calls) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Not a valid queue URL: /);
    expect(everything(error)).not.toContain('pw123');
    expect(calls.recognize).toEqual([]);
  });

  it("masks what only the adapter knows is secret, raw and URL-encoded, in a connect error's message, stack and cause", async () => {
    const calls = newCalls();
    const fail = (context: DriverContext) =>
      new Error(
        `auth failed for ${KEY} / ${encodeURIComponent(KEY)} in tenant ${TENANT} at ${context.url.href}`,
      );
    const error = await connect(TEXT, { adapters: { kv: kvAdapter(calls, { fail }) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BrokerError);
    const shown = everything(error);
    expect(shown).toContain('auth failed');
    expect(shown).not.toContain(KEY);
    expect(shown).not.toContain(encodeURIComponent(KEY));
    expect(shown).not.toContain(TENANT);
  });

  it("without the adapter's secrets rule, the tenant would show (the rule is what masks it)", async () => {
    const calls = newCalls();
    const fail = () => new Error(`auth failed in tenant ${TENANT}`);
    const adapter = kvAdapter(calls, { fail, secrets: false });
    const error = await connect(TEXT, { adapters: { kv: adapter } }).catch((e: unknown) => e);
    expect(everything(error)).toContain(TENANT);
  });

  it("passes on an adapter's refusal of a text it claims, masked by its rules", async () => {
    const calls = newCalls();
    const error = await connect(`Host=h;Key=;Tenant=${TENANT}`, { adapters: { kv: kvAdapter(calls) } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('This kv connection text lacks Key');
    expect(calls.contexts).toEqual([]);
  });

  it('asks the adapters given in options before the installed known packages', async () => {
    const calls = newCalls();
    const first = kvAdapter(calls);
    const second: AdapterModule = {
      ...kvAdapter(newCalls()),
      schemes: ['other'],
      recognize: () => 'other://never',
    };
    const broker = await connect(TEXT, { adapters: { kv: first, other: second } });
    expect(calls.recognize).toEqual([TEXT]);
    await broker.close();
  });

  it('fails with a ConfigError showing the text with every value masked when no adapter recognizes it', async () => {
    const text = `Nobody=knows;Key=${KEY};Password=hunter22 //user:pw9999@host`;
    const error = await connect(text, { adapters: { kv: kvAdapter(newCalls()) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^Not a valid queue URL: "Nobody=\*\*\*;Key=\*\*\*;Password=\*\*\* \/\/\*\*\*@host"/,
    );
    const shown = everything(error);
    for (const secret of [KEY, 'hunter22', 'pw9999', 'knows']) expect(shown).not.toContain(secret);
  });
});

describe('connect errors use the kit network table', () => {
  it('maps a socket error found through cause and AggregateError to Unavailable', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('could not open', {
      cause: new AggregateError([refused], 'all attempts failed'),
    });
    const adapter: AdapterModule = {
      schemes: ['net'],
      parameters: [],
      createDriver: () => Promise.reject(wrapped),
    };
    const error = await connect('net://h', { adapters: { net: adapter } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe(ErrorCode.Unavailable);
  });
});
