import type { AdapterModule } from '../driver/adapter-module.js';
import { ConfigError } from '../errors/config-error.js';
import { type AdapterSources, recognizers } from './adapter-loader.js';
import { redactUnparsed } from './redact.js';
import { sanitizeError } from './secrets.js';

/** A connection text an adapter turned into its URL. */
export interface Recognized {
  readonly url: string;
  /** The adapter that recognized the text: its `secrets` apply to the text as given. */
  readonly adapter: AdapterModule;
}

/** True when `text` parses as a URL (whatever its scheme). */
export function isUrl(text: string): boolean {
  return URL.canParse(text);
}

/**
 * A text that is not a URL (an Azure portal connection string...) as the URL of the adapter that
 * recognizes it (`AdapterModule.recognize`), for text not written as a URL: asked in order, the adapters given in options, then
 * the installed known adapter packages; the first URL wins. An adapter that claims the text but
 * refuses it throws a ConfigError, passed on with that adapter's secrets masked. None: a
 * ConfigError that shows the text with every value masked (it may hold a key nobody recognized).
 */
export async function recognize(text: string, extra: AdapterSources): Promise<Recognized> {
  for await (const adapter of recognizers(extra)) {
    if (adapter.recognize === undefined) continue;
    let url: string | undefined;
    try {
      url = adapter.recognize(text);
    } catch (error) {
      throw sanitizeError(error, adapter.secrets?.(text) ?? []);
    }
    if (url !== undefined) return { url, adapter };
  }
  throw new ConfigError(
    `Not a valid queue URL: "${redactUnparsed(text)}" (expected e.g. memory:// or amqp://host, ` +
      'or a connection string an installed adapter recognizes)',
  );
}
