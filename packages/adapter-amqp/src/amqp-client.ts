import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage, Options } from 'amqplib';

/**
 * The narrow slice of amqplib the driver uses. Everything goes through these types, so unit
 * tests run the driver on an in-process fake (test/fake-amqp.ts) and only the conformance run
 * needs a broker. Keep it small: a method added here must be added to the fake.
 */
export type AmqpChannel = Pick<
  Channel,
  | 'assertQueue'
  | 'checkQueue'
  | 'deleteQueue'
  | 'purgeQueue'
  | 'bindQueue'
  | 'assertExchange'
  | 'checkExchange'
  | 'bindExchange'
  | 'consume'
  | 'cancel'
  | 'get'
  | 'ack'
  | 'nack'
  | 'prefetch'
  | 'close'
  | 'on'
  | 'once'
  | 'removeListener'
>;

/** A channel in confirm mode: `publish` calls back once the broker has confirmed (or refused). */
export interface AmqpConfirmChannel extends AmqpChannel {
  publish: ConfirmChannel['publish'];
}

export type AmqpConnection = Pick<ChannelModel, 'close' | 'on' | 'once' | 'removeListener'> & {
  createChannel(): Promise<AmqpChannel>;
  createConfirmChannel(): Promise<AmqpConfirmChannel>;
};

/** Opens a new connection. The driver calls it again after every connection loss. */
export type AmqpConnect = () => Promise<AmqpConnection>;

export type AmqpMessage = ConsumeMessage | GetMessage;
export type PublishOptions = Options.Publish;

/** The real factory: amqplib's `connect`, imported on first use. */
export function amqplibConnect(url: string, socketOptions: Record<string, unknown> = {}): AmqpConnect {
  return async () => {
    const amqplib = await import('amqplib');
    return (await amqplib.connect(url, socketOptions)) as AmqpConnection;
  };
}
