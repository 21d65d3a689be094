import { type BrokerError, connect } from '@polyqueue/core';
import { describe, expect, it } from 'vitest';
import { createPubSubDriver } from '../src/pubsub-adapter.js';
import { FakePubSubApi } from './fake-api.js';

describe('pubsub background errors (fake client)', () => {
  it("a delay forwarder that cannot forward reports on the broker's 'error' event, not process warnings", async () => {
    const api = new FakePubSubApi();
    const logged: string[] = [];
    const logger = { warn: (line: string) => logged.push(line), error: (line: string) => logged.push(line) };
    const broker = await connect({ driver: createPubSubDriver({ api, pollIntervalMs: 1 }), logger });
    const reports: { code: string; action: string; queue: string | undefined }[] = [];
    broker.on('error', (error: BrokerError, info) =>
      reports.push({ code: error.code, ...info, queue: info.queue }),
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const queue = broker.queue('mail');
      api.failPublishTo.add('mail.ready');
      await queue.send({ n: 1 }, { delay: 50 });
      queue.process(async () => undefined);
      const deadline = Date.now() + 10_000;
      while (reports.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reports[0]).toEqual({ code: 'Unavailable', action: 'forward', queue: 'mail' });
      expect(logged[0]).toMatch(/forward.*"mail"/);
      // The job stayed on the delay path: nothing was acknowledged there.
      expect(api.messagesOf('mail.delay')).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
      await broker.close();
    }
    expect(warnings.filter((warning) => warning.includes('polyqueue'))).toEqual([]);
  });
});
