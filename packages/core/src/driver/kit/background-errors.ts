import type { BackgroundErrorSink } from '../background-error.js';

/**
 * Holds the sink core hands a driver (`Driver.reportErrorsTo`), so that every loop, copier and
 * reconnect of an adapter reports through one object and none of them needs to know whether a
 * broker is attached yet.
 */
export class BackgroundErrors {
  #sink: BackgroundErrorSink | undefined;

  /** `Driver.reportErrorsTo(sink)` forwards here. A later call replaces the sink. */
  attach(sink: BackgroundErrorSink): void {
    this.#sink = sink;
  }

  /**
   * Reports an error of work no caller awaits. Never throws: it is called from catch blocks and
   * timer callbacks, where a throw would crash the process. Before `attach` (a driver used
   * without a broker) the error goes to stderr as one line, because the SPI forbids swallowing it
   * and there is nobody else to tell.
   */
  report(action: string, error: unknown, queue?: string): void {
    const sink = this.#sink;
    if (sink !== undefined) {
      try {
        sink(queue === undefined ? { action, error } : { action, queue, error });
        return;
      } catch (sinkError) {
        // A sink that throws must not turn a background error into a crash: say so on stderr.
        writeLine(`${describe(action, queue)} (the error sink threw: ${oneLine(sinkError)})`, error);
        return;
      }
    }
    writeLine(describe(action, queue), error);
  }
}

function describe(action: string, queue: string | undefined): string {
  return queue === undefined
    ? `background ${action} failed`
    : `background ${action} of queue "${queue}" failed`;
}

function writeLine(prefix: string, error: unknown): void {
  try {
    console.error(`[polyqueue] ${prefix}: ${oneLine(error)}`);
  } catch {
    // stderr itself failed (closed pipe): nothing is left to tell, and throwing would crash.
  }
}

/** The error's name and message on one line: a multi-line report would interleave in logs. */
function oneLine(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = 'an error that cannot be printed';
  }
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
