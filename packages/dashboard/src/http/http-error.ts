/** A refusal with its HTTP status; its message is shown to the caller as is. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }

  override get name(): string {
    return 'HttpError';
  }
}
