/**
 * @polyqueue/adapter-pubsub: Google Cloud Pub/Sub for polyqueue.
 *
 *   const broker = await connect('pubsub://my-project');
 *   // or with your own client:
 *   const broker = await connect({ driver: createPubSubDriver({ pubsub: new PubSub() }) });
 *
 * The push endpoint handler is in `@polyqueue/adapter-pubsub/push`.
 */

export type { MonitoringClient, TimeSeriesLike } from './monitoring-stats.js';
export { createPubSubDriver, type PubSubDriverOptions, pubsubAdapter as adapter } from './pubsub-adapter.js';
export type { PubSubApi, PulledMessage } from './pubsub-client.js';
export { PubSubDriver } from './pubsub-driver.js';
export { pubsubErrorCode } from './pubsub-errors.js';
