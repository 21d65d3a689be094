import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
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
  /** How this emulator departs from SQS's documented behaviour, measured at start. */
  readonly behaviour: EmulatorBehaviour;
  readonly endpoint: string;
  readonly prefix: string;
  readonly client: SQSClient;
  /** Plain SDK producer and consumer, as a non-polyqueue application would use them (I1). */
  publishNative(queue: string, message: NativeMessage, fifo: boolean): Promise<void>;
  consumeNative(queue: string, fifo: boolean): Promise<NativeMessage | undefined>;
  queueUrl(nativeName: string): Promise<string>;
  stop(): Promise<void>;
}

/** Documented SQS behaviours the emulator may lack; each is probed, not assumed. */
export interface EmulatorBehaviour {
  /** FIFO: no message of a group is returned while another of it is in flight. */
  readonly holdsFifoGroups: boolean;
  /** ChangeMessageVisibility raises ApproximateReceiveCount (SQS counts receives only). */
  readonly visibilityChangeCountsReceive: boolean;
  /** ApproximateNumberOfMessages counts in-flight messages too (SQS counts visible ones). */
  readonly inFlightCountedAsReady: boolean;
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
  const behaviour = await probe(client, prefix);
  return {
    behaviour,
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

/** Measures the behaviours of `EmulatorBehaviour` on two throwaway queues. */
async function probe(client: SQSClient, prefix: string): Promise<EmulatorBehaviour> {
  const create = async (name: string, fifo: boolean) =>
    (
      await client.send(
        new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }),
      )
    ).QueueUrl!;
  const receive = async (url: string, max: number) =>
    (
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          AttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];
  const fifo = await create(`${prefix}probe.fifo`, true);
  const standard = await create(`${prefix}probe`, false);
  try {
    for (const n of [0, 1]) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: fifo,
          MessageBody: `m${n}`,
          MessageGroupId: 'g',
          MessageDeduplicationId: `m${n}`,
        }),
      );
    }
    const [first] = await receive(fifo, 1);
    const holdsFifoGroups = (await receive(fifo, 1)).length === 0;
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: fifo,
        ReceiptHandle: first!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const again = (await receive(fifo, 10)).find((m) => m.Body === 'm0');
    const visibilityChangeCountsReceive = Number(again?.Attributes?.ApproximateReceiveCount) > 2;
    await client.send(new SendMessageCommand({ QueueUrl: standard, MessageBody: 'in flight' }));
    await receive(standard, 1);
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: standard, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return {
      holdsFifoGroups,
      visibilityChangeCountsReceive,
      inFlightCountedAsReady: Number(Attributes.ApproximateNumberOfMessages) > 0,
    };
  } finally {
    await Promise.allSettled(
      [fifo, standard].map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
    );
  }
}
