import type { ErrorCode } from '../errors/error-code.js';

/** The memory broker's native error: what a real SDK would throw, with its code attached. */
export class MemoryBrokerError extends Error {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode) {
    super(message);
    this.code = code;
  }

  override get name(): string {
    return 'MemoryBrokerError';
  }
}
