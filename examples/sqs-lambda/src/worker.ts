import { closeOnSignals } from '@polyqueue/core';
import { connectBroker, makeThumbnail, thumbnails } from './jobs.js';

/** The long-lived worker: `QUEUE_URL=sqs://?region=eu-west-1 node dist/worker.js`. */
const broker = await connectBroker();
const queue = thumbnails(broker);
const worker = queue.process(makeThumbnail, { concurrency: 16 });
closeOnSignals([broker]);
console.log(`worker on ${queue.name}, concurrency ${worker.concurrency}`);
