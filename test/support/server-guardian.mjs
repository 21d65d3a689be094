// Runs one server process for a test and kills it if the test process goes away without
// stopping it (killed, Ctrl-C, crash): the IPC channel to the test process closes, and this
// guardian then SIGKILLs its own process group, the server with it. The test process signals
// the server by the PID this guardian reports, never by name.
//   node server-guardian.mjs <command> [args...]   (spawned detached, with an IPC channel)
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: 'inherit' });

function killGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(1);
  }
}

server.once('spawn', () => process.send?.({ pid: server.pid }));
server.once('error', (error) => {
  process.send?.({ error: error.message }, () => process.exit(1));
});
server.once('exit', (code, signal) => {
  const exit = signal ?? `code ${code}`;
  if (process.connected) process.send({ exit }, () => process.exit(0));
  else process.exit(0);
});
process.once('disconnect', () => {
  if (server.exitCode === null && server.signalCode === null) killGroup();
});
