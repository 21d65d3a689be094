import { redactCredentials } from '../config/redact.js';
import { redactText, sanitizeError } from '../config/secrets.js';
import type { BackgroundError } from '../driver/background-error.js';
import type { Driver } from '../driver/driver.js';
import { BrokerError } from '../errors/broker-error.js';
import { ErrorCode, isRetryableCode } from '../errors/error-code.js';
import { PolyqueueError } from '../errors/polyqueue-error.js';
import type { Logger } from './logger.js';

/** What a broker's 'error' listener receives beside the error. */
export interface BackgroundErrorInfo {
  readonly action: string;
  readonly queue?: string;
}

export type BrokerErrorListener = (error: BrokerError, info: BackgroundErrorInfo) => void;

/**
 * The broker's side of the background-error seam (the driver's side is the kit's
 * `BackgroundErrors`, which holds the sink). Routes a driver's background errors (see
 * `Driver.reportErrorsTo`): each is wrapped once with the driver's code, its credentials masked,
 * then logged and handed to every 'error' listener. Unlike a bare EventEmitter, no listener is
 * never a crash: a broker that blipped must not take the host process down, and the log line
 * keeps it from being silent.
 */
export class BrokerErrorEvents {
  readonly #driver: Driver;
  readonly #logger: Logger;
  readonly #secrets: readonly string[];
  readonly #listeners = new Set<BrokerErrorListener>();

  constructor(driver: Driver, logger: Logger, secrets: readonly string[]) {
    this.#driver = driver;
    this.#logger = logger;
    this.#secrets = secrets;
  }

  add(listener: BrokerErrorListener): void {
    this.#listeners.add(listener);
  }

  remove(listener: BrokerErrorListener): void {
    this.#listeners.delete(listener);
  }

  /** The sink given to the driver. Never throws, whatever the report or the listeners do. */
  readonly report = (report: BackgroundError): void => {
    try {
      this.#route(report);
    } catch (failure) {
      this.#logger.error('polyqueue: could not route a background error', failure);
    }
  };

  #route(report: BackgroundError): void {
    const info: BackgroundErrorInfo = {
      action: report.action,
      ...(report.queue === undefined ? {} : { queue: report.queue }),
    };
    const error = this.#wrap(report);
    const detail = { ...info, code: error.code, error };
    // A transient outage is a warning; anything else needs a human.
    if (isRetryableCode(error.code)) this.#logger.warn(error.message, detail);
    else this.#logger.error(error.message, detail);
    for (const listener of [...this.#listeners]) {
      try {
        listener(error, info);
      } catch (thrown) {
        this.#logger.error('polyqueue broker "error" listener threw', thrown);
      }
    }
  }

  /** Wrapped exactly once: a BrokerError a driver already built passes through, only redacted. */
  #wrap({ action, queue, error }: BackgroundError): BrokerError {
    if (error instanceof BrokerError) return sanitizeError(error, this.#secrets);
    let code: ErrorCode;
    try {
      code =
        error instanceof PolyqueueError ? error.code : (this.#driver.errorCode(error) ?? ErrorCode.Unknown);
    } catch {
      code = ErrorCode.Unknown;
    }
    const detail = redactText(
      redactCredentials(error instanceof Error ? error.message : String(error)),
      this.#secrets,
    );
    const where = queue === undefined ? '' : ` on queue "${queue}"`;
    return new BrokerError(
      `${this.#driver.name}: background ${action} failed${where}: ${detail}`,
      code,
      sanitizeError(error, this.#secrets),
    );
  }
}
