/**
 * An error from work that no caller awaits: a forwarder, a copier, a reconnect, a redeclare.
 * Such work has nobody to reject to, so a driver reports it through the sink that core hands it
 * (`Driver.reportErrorsTo`): never swallow it, never throw it into the event loop.
 */
export interface BackgroundError {
  /** What the work was doing, kebab-case: 'forward', 'copy-exhausted', 'reconnect', 'redeclare', ... */
  readonly action: string;
  /** The logical queue name, when the work belongs to one queue. */
  readonly queue?: string;
  /** The native error, as is: core wraps it once with driver.errorCode and redacts it. */
  readonly error: unknown;
}

/** Where a driver reports its background errors. Never throws. */
export type BackgroundErrorSink = (report: BackgroundError) => void;
