import type { SqsApi } from './sqs-api.js';
import { nativeDelayQueueName } from './sqs-names.js';

/** ListQueues returns at most 1,000 URLs a page; this many pages at most (100,000 queues). */
const MAX_PAGES = 100;
const FIFO_SUFFIX = '.fifo';

/**
 * The work queues of `prefix`: every queue of this type (standard or FIFO) whose delay queue exists
 * too, since provision makes one for each work queue and none for a dead-letter queue. Names come
 * back as SQS spells them (`orders.v2` was made as `orders_v2`); `broker.queue()` of that name
 * addresses the same queue. A name shortened with a hash (over 80 characters) is not recognised.
 */
export async function listWorkQueues(api: SqsApi, prefix: string, fifo: boolean): Promise<string[]> {
  const natives = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { QueueUrls = [], NextToken } = await api.listQueues({
      MaxResults: 1_000,
      ...(prefix === '' ? {} : { QueueNamePrefix: prefix }),
      ...(token === undefined ? {} : { NextToken: token }),
    });
    for (const url of QueueUrls) natives.add(url.slice(url.lastIndexOf('/') + 1));
    token = NextToken;
    if (token === undefined) break;
  }
  const work: string[] = [];
  for (const native of natives) {
    if (native.endsWith(FIFO_SUFFIX) !== fifo) continue;
    const logical = native.slice(prefix.length, fifo ? -FIFO_SUFFIX.length : undefined);
    if (natives.has(nativeDelayQueueName(prefix, logical))) work.push(logical);
  }
  return work;
}
