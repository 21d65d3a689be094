/** Structured-logger shape shared by pino, winston, bunyan and console. */
export interface Logger {
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
}

export const consoleLogger: Logger = {
  warn: (message, detail) =>
    console.warn(`[polyqueue] ${message}`, ...(detail === undefined ? [] : [detail])),
  error: (message, detail) =>
    console.error(`[polyqueue] ${message}`, ...(detail === undefined ? [] : [detail])),
};
