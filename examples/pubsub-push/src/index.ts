/**
 * A Pub/Sub push endpoint (Cloud Run style) running the same job handler a worker would.
 *
 *   QUEUE_URL='pubsub://my-project' PORT=8080 npm start -w examples/pubsub-push
 *
 * Point the queue's two subscriptions, `emails` (jobs as sent) and `emails.ready` (redriven dead
 * letters, due delayed jobs), at http://<host>:<PORT>/ as push subscriptions, with a dead-letter
 * policy so that Pub/Sub sends `deliveryAttempt` (provisioning gives them one; see the adapter
 * README, "Push subscriptions"). Failed attempts are nacks: Pub/Sub pushes them again itself.
 */
import { createPushHandler } from '@polyqueue/adapter-pubsub/push';
import { closeOnSignals, connect } from '@polyqueue/core';
import { pushServer } from './server.js';

interface Email {
  readonly to: string;
  readonly template: string;
}

const broker = await connect(process.env.QUEUE_URL ?? 'pubsub://my-project');
const emails = broker.queue<Email>('emails', { maxAttempts: 5 });
await emails.provision();

const handler = createPushHandler(emails, async (job) => {
  console.log(
    `sending ${job.payload.template} to ${job.payload.to} (attempt ${job.attempt}/${job.maxAttempts})`,
  );
});
handler.events.on('dead-lettered', (job, record) => {
  console.log(`dead-lettered ${job?.id ?? '(undecodable)'}: ${record.reason}: ${record.errorMessage}`);
});

const port = Number(process.env.PORT ?? 8080);
const server = pushServer(handler).listen(port, () =>
  console.log(`push endpoint on http://localhost:${port}/`),
);
// Stop taking requests first, then close the broker.
closeOnSignals([
  {
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    },
  },
]);
