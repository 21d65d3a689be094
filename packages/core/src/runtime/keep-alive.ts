/**
 * Keeps the process alive while a worker or a move has a receiver open, as a consumer's socket
 * keeps a broker client's process alive while it waits for work. A socket does not always: grpc-js
 * lets an idle channel go between the polls of an emulator, no socket is open while a lost
 * connection waits to be retried, the memory broker and SQLite have none, and every wait of the
 * code base runs on unref'd timers. Without a handle of its own, a script whose only work was its
 * worker exited silently the moment it went idle (code 13 under a top-level await, 0 otherwise).
 * One handle for the whole process, held while any holder is open.
 */
let holders = 0;
let handle: NodeJS.Timeout | undefined;

/** Holds the process open until the returned function is called (idempotent). */
export function keepProcessAlive(): () => void {
  if (holders++ === 0) handle = setInterval(() => {}, 2 ** 30);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) {
      clearInterval(handle);
      handle = undefined;
    }
  };
}
