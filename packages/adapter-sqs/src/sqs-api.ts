import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequest,
  type ChangeMessageVisibilityBatchResult,
  ChangeMessageVisibilityCommand,
  type ChangeMessageVisibilityRequest,
  CreateQueueCommand,
  type CreateQueueRequest,
  type CreateQueueResult,
  DeleteMessageBatchCommand,
  type DeleteMessageBatchRequest,
  type DeleteMessageBatchResult,
  GetQueueAttributesCommand,
  type GetQueueAttributesRequest,
  type GetQueueAttributesResult,
  GetQueueUrlCommand,
  type GetQueueUrlRequest,
  type GetQueueUrlResult,
  ListDeadLetterSourceQueuesCommand,
  type ListDeadLetterSourceQueuesRequest,
  type ListDeadLetterSourceQueuesResult,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksRequest,
  type ListMessageMoveTasksResult,
  ListQueuesCommand,
  type ListQueuesRequest,
  type ListQueuesResult,
  ReceiveMessageCommand,
  type ReceiveMessageRequest,
  type ReceiveMessageResult,
  SendMessageBatchCommand,
  type SendMessageBatchRequest,
  type SendMessageBatchResult,
  SetQueueAttributesCommand,
  type SetQueueAttributesRequest,
  type SQSClient,
  StartMessageMoveTaskCommand,
  type StartMessageMoveTaskRequest,
  type StartMessageMoveTaskResult,
} from '@aws-sdk/client-sqs';

/**
 * The narrow interface between the driver and the AWS SDK: exactly the SQS actions the driver
 * uses, with the SDK's own request and result shapes. Unit tests implement it with an in-process
 * fake; `sdkApi` implements it with a real `SQSClient`.
 *
 * Obligations of an implementation: reject with the native error (its `name` is the SQS error
 * code) and never retry on its own beyond what the SDK client is configured to do.
 */
export interface SqsApi {
  createQueue(input: CreateQueueRequest): Promise<CreateQueueResult>;
  getQueueUrl(input: GetQueueUrlRequest): Promise<GetQueueUrlResult>;
  getQueueAttributes(input: GetQueueAttributesRequest): Promise<GetQueueAttributesResult>;
  setQueueAttributes(input: SetQueueAttributesRequest): Promise<unknown>;
  sendMessageBatch(input: SendMessageBatchRequest): Promise<SendMessageBatchResult>;
  /** `signal` lets a long poll be cut short when the driver closes. */
  receiveMessage(input: ReceiveMessageRequest, signal?: AbortSignal): Promise<ReceiveMessageResult>;
  deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult>;
  changeMessageVisibility(input: ChangeMessageVisibilityRequest): Promise<unknown>;
  changeMessageVisibilityBatch(
    input: ChangeMessageVisibilityBatchRequest,
  ): Promise<ChangeMessageVisibilityBatchResult>;
  listDeadLetterSourceQueues(
    input: ListDeadLetterSourceQueuesRequest,
  ): Promise<ListDeadLetterSourceQueuesResult>;
  startMessageMoveTask(input: StartMessageMoveTaskRequest): Promise<StartMessageMoveTaskResult>;
  listMessageMoveTasks(input: ListMessageMoveTasksRequest): Promise<ListMessageMoveTasksResult>;
  listQueues(input: ListQueuesRequest): Promise<ListQueuesResult>;
}

/** The SqsApi over a real (possibly user-supplied) `SQSClient`. */
export function sdkApi(client: SQSClient): SqsApi {
  return {
    createQueue: (input) => client.send(new CreateQueueCommand(input)),
    getQueueUrl: (input) => client.send(new GetQueueUrlCommand(input)),
    getQueueAttributes: (input) => client.send(new GetQueueAttributesCommand(input)),
    setQueueAttributes: (input) => client.send(new SetQueueAttributesCommand(input)),
    sendMessageBatch: (input) => client.send(new SendMessageBatchCommand(input)),
    receiveMessage: (input, signal) =>
      client.send(new ReceiveMessageCommand(input), signal ? { abortSignal: signal } : {}),
    deleteMessageBatch: (input) => client.send(new DeleteMessageBatchCommand(input)),
    changeMessageVisibility: (input) => client.send(new ChangeMessageVisibilityCommand(input)),
    changeMessageVisibilityBatch: (input) => client.send(new ChangeMessageVisibilityBatchCommand(input)),
    listDeadLetterSourceQueues: (input) => client.send(new ListDeadLetterSourceQueuesCommand(input)),
    startMessageMoveTask: (input) => client.send(new StartMessageMoveTaskCommand(input)),
    listMessageMoveTasks: (input) => client.send(new ListMessageMoveTasksCommand(input)),
    listQueues: (input) => client.send(new ListQueuesCommand(input)),
  };
}
