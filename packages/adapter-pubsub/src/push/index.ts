/**
 * `@polyqueue/adapter-pubsub/push`: run a queue's handler behind a Pub/Sub push subscription.
 *
 *   const handler = createPushHandler(queue, async (job) => { ... });
 *   const { status } = await handler.handle(requestBody);   // answer Pub/Sub with `status`
 */
export { type ParsedPushBody, type PushRequestBody, parsePushBody } from './push-body.js';
export { PushDelivery, type PushVerdict } from './push-delivery.js';
export {
  createPushHandler,
  PushHandler,
  type PushHandlerOptions,
  type PushResponse,
} from './push-handler.js';
