/**
 * The once-only guard of a Delivery: the first settlement (ack, retry, deadLetter, release) made
 * while the connection is alive claims the delivery; every later one, and any after the
 * connection closed or was abandoned, does nothing, since the broker redelivers what was not
 * settled. `alive` is asked at each call, so a delivery of a closed driver never acts.
 */
export class SettleOnce {
  readonly #alive: () => boolean;
  #settled = false;

  constructor(alive: () => boolean) {
    this.#alive = alive;
  }

  /** True exactly once: for the first settlement while alive. The caller then settles. */
  claim(): boolean {
    if (this.#settled || !this.#alive()) return false;
    this.#settled = true;
    return true;
  }

  /** Not settled yet and alive: a lease extension may still go. */
  get open(): boolean {
    return !this.#settled && this.#alive();
  }
}
