/**
 * The polyqueue quick start: `npm run demo` from the repository root.
 *
 * Runs on the in-memory broker unless QUEUE_URL names another one (an empty QUEUE_URL counts as
 * unset), e.g.
 *   QUEUE_URL=amqp://guest:guest@127.0.0.1:5672 npm run demo
 * The code does not change: only the URL does.
 */
import { ConfigError } from '@polyqueue/core';
import { runDemo } from './demo.js';
import { queueUrlFrom } from './queue-url.js';

try {
  await runDemo({ url: queueUrlFrom(process.env) });
} catch (error) {
  // A ConfigError is a problem with the URL: an unknown scheme or parameter, or an adapter
  // package that is not installed. Its message says what to do, and never shows credentials.
  console.error(error instanceof ConfigError ? `\n✗ ${error.message}` : error);
  process.exitCode = 1;
}
