import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { NativeMessage } from '@polyqueue/conformance';
import { createSqsServer } from 'local-aws-sqs';
import { nativeQueueName } from '../src/index.js';

/**
 * The SQS emulator (`local-aws-sqs`), started in this process. Every test file gets its own, on a
 * free port, and a per-run queue prefix; queues are deleted when the file is done.
 */
export interface Emulator {
  readonly endpoint: string;
  readonly prefix: string;
  readonly client: SQSClient;
  /** Plain SDK producer and consumer, as a non-polyqueue application would use them (I1). */
  publishNative(queue: string, message: NativeMessage, fifo: boolean): Promise<void>;
  consumeNative(queue: string, fifo: boolean): Promise<NativeMessage | undefined>;
  queueUrl(nativeName: string): Promise<string>;
  stop(): Promise<void>;
}

// The SDK signs every request; the emulator accepts any credentials.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_REGION ??= 'us-east-1';

export async function startEmulator(label: string): Promise<Emulator> {
  let server: Awaited<ReturnType<typeof createSqsServer>>;
  try {
    server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  } catch (error) {
    throw new Error(
      `Could not start the SQS emulator (local-aws-sqs, in process): ${String(error)}. Run "npm ci" to install it.`,
    );
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const prefix = `pqt-${label}-${randomBytes(3).toString('hex')}-`;
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const queueUrl = async (name: string) =>
    (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
  return {
    endpoint,
    prefix,
    client,
    queueUrl,
    async publishNative(queue, message, fifo) {
      // SQS bodies are text: a plain producer can only send what decodes as UTF-8.
      const body = Buffer.from(message.body).toString('utf8');
      await client.send(
        new SendMessageCommand({
          QueueUrl: await queueUrl(nativeQueueName(prefix, queue, fifo)),
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.headers).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
          ...(fifo
            ? { MessageGroupId: 'native', MessageDeduplicationId: randomBytes(8).toString('hex') }
            : {}),
        }),
      );
    },
    async consumeNative(queue, fifo) {
      const url = await queueUrl(nativeQueueName(prefix, queue, fifo));
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      const message = Messages[0];
      if (!message) return undefined;
      await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.MessageAttributes ?? {}))
        headers[name] = value.StringValue ?? '';
      return { body: new TextEncoder().encode(message.Body ?? ''), headers };
    },
    async stop() {
      // Best effort: the emulator dies with the server, but a shared endpoint would keep queues.
      const { QueueUrls = [] } = await client
        .send(new ListQueuesCommand({ QueueNamePrefix: prefix }))
        .catch(() => ({ QueueUrls: [] }));
      await Promise.allSettled(
        QueueUrls.map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
      );
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
