/**
 * Last-resort cleanup of what a test started: each registered action runs once, on demand
 * (afterAll/finally) or when the process exits, even if the test failed or forgot. Exit handlers
 * must be synchronous, so each action is: send a signal to a PID we own, or remove a temp dir.
 */
type Action = () => void;

const actions = new Set<Action>();
let hooked = false;

function runAll(): void {
  for (const action of [...actions]) {
    actions.delete(action);
    try {
      action();
    } catch {
      // exiting: nothing more can be done, and the other actions must still run
    }
  }
}

/** Registers `action` for process exit; the returned function runs it now (once) instead. */
export function onExit(action: Action): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', runAll);
  }
  actions.add(action);
  return () => {
    if (!actions.delete(action)) return;
    action();
  };
}

/** Forgets `action` without running it (it was undone another way). */
export function forgetOnExit(action: Action): void {
  actions.delete(action);
}
