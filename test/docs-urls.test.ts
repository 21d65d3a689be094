import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterModule } from '@polyqueue/core/driver';
import { describe, expect, it } from 'vitest';

/**
 * The URL examples in docs/configuration.md must stay valid: each names a scheme whose adapter
 * package exists, and only parameters that adapter accepts (unknown ones are rejected at connect).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
const examples = [
  ...doc.matchAll(/^\| `[a-z]+`(?:, `[a-z]+`)? +\| `([a-z]+:\/\/[^`]*)` +\| (.+?) +\|$/gm),
].map((match) => ({ url: match[1]!, packageName: /@polyqueue\/[a-z-]+/.exec(match[2]!)?.[0] }));

describe('docs/configuration.md URL examples', () => {
  it('lists one example per built-in scheme family', () => {
    expect(examples.map((example) => new URL(example.url).protocol)).toEqual([
      'memory:',
      'amqp:',
      'nats:',
      'sqs:',
      'pubsub:',
      'servicebus:',
    ]);
  });

  it.each(examples.filter((example) => example.packageName !== '@polyqueue/core'))(
    '$url uses only parameters its adapter accepts',
    async ({ url, packageName }) => {
      const { adapter } = (await import(packageName!)) as { adapter: AdapterModule };
      const parsed = new URL(url);
      expect(adapter.schemes).toContain(parsed.protocol.replace(/:$/, ''));
      for (const name of parsed.searchParams.keys()) expect(adapter.parameters).toContain(name);
    },
  );
});
