import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  type Broker,
  ConfigError,
  type ConnectOptions,
  connect,
  type Logger,
  MissingAdapterError,
} from '@polyqueue/core';
import type { ConformanceHarness } from '../harness.js';
import type { TestScope } from '../scope.js';
import type { RuleRegistry } from '../skip.js';

/** The built-in schemes (docs/configuration.md): an unknown-scheme error must list them all. */
const BUILT_IN_SCHEMES = ['memory', 'amqp', 'amqps', 'nats', 'sqs', 'pubsub', 'servicebus'] as const;

const SECRET = 's3cr3t-pw';

/** `url` with `name=value` appended, whether or not it already has a query. */
function withParam(url: string, name: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
}

/** `url` with `name` set to `value`, replacing a value it already has. */
function withParamSet(url: string, name: string, value: string): string {
  try {
    const parsed = new URL(url);
    parsed.searchParams.set(name, value);
    return parsed.href;
  } catch {
    return withParam(url, name, value);
  }
}

/** `url` with user and password set; for a URL without a host, inserted as text after "://". */
function withCredentials(url: string, user: string, password: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host) {
      parsed.username = user;
      parsed.password = password;
      return parsed.href;
    }
  } catch {
    // Not parseable: the text form below still must never leak.
  }
  return url.replace('://', `://${user}:${password}@`);
}

/** What every `connect(url)` of K1 passes: the harness's extra adapters, if any. */
function connectOptions(harness: ConformanceHarness, logger?: Logger): Omit<ConnectOptions, 'url'> {
  return { ...(harness.adapters ? { adapters: harness.adapters } : {}), ...(logger ? { logger } : {}) };
}

/** Everything a user could see of an error: message, stack, causes, own properties. */
function everythingAbout(error: unknown): string {
  return `${String(error)}\n${(error as Error)?.stack ?? ''}\n${inspect(error, { depth: 8, showHidden: true })}`;
}

/** Connects and closes, for tests that only need `connect(url)` to run its course. */
async function connectOnce(scope: TestScope, url: string): Promise<Broker> {
  const broker = await connect(url, connectOptions(scope.ctx.harness));
  await scope.ctx.settle('closing a URL-configured broker', broker.close(), scope.ctx.ms(5_000));
  return broker;
}

/** K1: configuration by URL: the scheme picks the adapter, mistakes are named, secrets are not. */
export function configRules(suite: RuleRegistry): void {
  const { ctx } = suite;
  const { url } = ctx.harness;

  suite.rule('K1 connect(url) picks the adapter by the URL scheme', async (scope) => {
    const byUrl = await connectOnce(scope, url);
    assert.equal(byUrl.adapter, (await scope.connect()).adapter);
  });

  suite.rule('K1 an unknown scheme fails with a ConfigError listing the known schemes', async () => {
    await assert.rejects(connect('nope://x', connectOptions(ctx.harness)), (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      for (const scheme of ['nope', ...BUILT_IN_SCHEMES]) {
        assert.ok(error.message.includes(scheme), `"${error.message}" does not mention ${scheme}`);
      }
      return true;
    });
  });

  suite.rule('K1 an unknown URL parameter is rejected by name', async () => {
    await assert.rejects(
      connect(withParam(url, 'bogus_param', '1'), connectOptions(ctx.harness)),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
        assert.match(error.message, /bogus_param/);
        return true;
      },
    );
  });

  suite.rule(
    'K1 a known parameter with a bad value is refused by the adapter with a ConfigError naming it, credentials redacted',
    async () => {
      const invalid = ctx.harness.invalidParameter;
      assert.ok(
        invalid,
        'harness.invalidParameter must name a parameter of this adapter and a value the adapter refuses',
      );
      // Where the URL has no host (sqs://?region=…), it cannot carry credentials at all.
      const secretUrl = withCredentials(url, 'pq-user', SECRET);
      const target = withParamSet(URL.canParse(secretUrl) ? secretUrl : url, invalid.name, invalid.value);
      const error = await ctx.settle(
        'connect() with a bad parameter value',
        connect(target, connectOptions(ctx.harness)).then(
          async (broker) => {
            await broker.close();
            return assert.fail(`${invalid.name}=${invalid.value} was accepted`);
          },
          (rejected: unknown) => rejected,
        ),
        ctx.ms(10_000),
      );
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      assert.ok(
        error.message.includes(invalid.name),
        `"${error.message}" does not name the parameter ${invalid.name}`,
      );
      const shown = everythingAbout(error);
      assert.ok(
        !shown.includes(SECRET),
        `the secret leaked: ${shown.replaceAll(SECRET, '<SECRET>').slice(0, 500)}`,
      );
    },
  );

  suite.rule('K1 a missing adapter package fails with an error naming the package to install', async () => {
    // A scheme mapped to a package that cannot be installed takes the same lazy-import path as a
    // built-in scheme whose adapter is absent, without ever reaching for a real broker.
    const packageName = '@polyqueue/adapter-conformance-never-installed';
    const options = connectOptions(ctx.harness);
    const adapters = { ...options.adapters, 'k1-missing': packageName };
    await assert.rejects(
      connect('k1-missing://conformance.invalid', { ...options, adapters }),
      (error: unknown) => {
        assert.ok(error instanceof MissingAdapterError, `expected MissingAdapterError, got ${String(error)}`);
        assert.equal(error.packageName, packageName);
        assert.ok(
          error.message.includes(`npm install ${packageName}`),
          `"${error.message}" does not name the package`,
        );
        return true;
      },
    );
  });

  suite.rule('K1 credentials in the URL never appear in errors, logs, inspect() or JSON', async () => {
    const logged: string[] = [];
    const logger: Logger = {
      warn: (message, detail) => void logged.push(message, inspect(detail, { depth: 8 })),
      error: (message, detail) => void logged.push(message, inspect(detail, { depth: 8 })),
    };
    const seen: string[] = [];
    // Whether the adapter accepts or refuses each URL, nothing it shows may contain the secret.
    const attempt = (target: string) =>
      connect(target, connectOptions(ctx.harness, logger)).then(
        async (broker) => {
          seen.push(inspect(broker), JSON.stringify(broker), String(broker));
          const provisioned = broker.queue(ctx.queueName('k1')).provision();
          await provisioned.catch((error: unknown) => seen.push(everythingAbout(error)));
          await broker.close();
          return undefined;
        },
        (error: unknown) => {
          seen.push(everythingAbout(error));
          return error;
        },
      );
    const secretUrl = withCredentials(url, 'pq-user', SECRET);
    const badParameter = await ctx.settle(
      'connect() with credentials and a bad parameter',
      attempt(withParam(secretUrl, 'bogus_param', '1')),
      ctx.ms(10_000),
    );
    assert.ok(badParameter instanceof ConfigError, 'a URL with an unknown parameter is refused');
    assert.match(badParameter.message, /bogus_param/, 'the bad parameter is still named');
    const others = [
      secretUrl,
      withParam(url, 'access_token', SECRET),
      `${new URL(url).protocol}//pq-user:${SECRET}@[::bad`,
    ];
    for (const target of others) {
      await ctx.settle('connect() with a secret in the URL', attempt(target), ctx.ms(10_000));
    }
    for (const text of [...seen, ...logged]) {
      assert.ok(
        !text.includes(SECRET),
        `the secret leaked: ${text.replaceAll(SECRET, '<SECRET>').slice(0, 500)}`,
      );
    }
  });
}
