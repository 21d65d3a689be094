import { startPrometheus } from './prometheus.js';
import { queueUrl } from './queue-url.js';

// npm run prometheus -w examples/otel, then: curl http://127.0.0.1:9464/metrics
const example = await startPrometheus({ url: queueUrl('memory://'), port: 9464, queues: ['emails'] });
const emails = example.broker.queue<{ to: string }>('emails');
emails.process(async (job) => {
  if (job.attempt === 1 && Math.random() < 0.2) throw new Error('flaky mail server');
});
const sending = setInterval(() => {
  emails.send({ to: 'someone@example.com' }).catch((error) => console.error('send failed', error));
}, 1_000);
console.log(`Serving ${example.metricsUrl}; Ctrl-C to stop`);
process.once('SIGINT', () => {
  clearInterval(sending);
  void example.stop();
});
