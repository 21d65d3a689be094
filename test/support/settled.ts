/**
 * True when `promise` has settled once pending I/O callbacks and promise jobs have run: "did it end
 * at once?" without a timer of the test's own.
 */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}
