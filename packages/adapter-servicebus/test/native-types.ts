import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { NativeType } from '@polyqueue/core';

/** `job.raw` (X1): the SDK's `ServiceBusReceivedMessage`, an interface, so known by its members. */
export const receivedMessageType: NativeType<ServiceBusReceivedMessage> = {
  name: 'ServiceBusReceivedMessage',
  is: (value: unknown): value is ServiceBusReceivedMessage =>
    typeof value === 'object' &&
    value !== null &&
    'body' in value &&
    'sequenceNumber' in value &&
    'deliveryCount' in value,
};
