/** An example app, listening: where the dashboard answers, and how to stop it. */
export interface MountedApp {
  /** The dashboard's address, e.g. "http://127.0.0.1:3000/queues/". */
  readonly url: string;
  /** Stops the server and the dashboard's reading of the broker (not the broker). */
  close(): Promise<void>;
}
