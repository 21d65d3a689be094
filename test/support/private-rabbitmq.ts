import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBrokerBinary } from './broker-binary.js';
import { freePort } from './free-port.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { tempDir } from './temp-dir.js';

/**
 * A RabbitMQ node of a test's own, beside (never instead of) the developer's: its own node name,
 * AMQP and distribution ports from the OS, data, logs, config and Erlang cookie in a temp dir, no
 * plugins, loopback only, and its own epmd on a free port (so it is not even registered with the
 * shared one). It runs `rabbitmq-server` in the foreground, so the PID the test holds is the
 * Erlang VM itself: stop = SIGTERM (RabbitMQ's graceful shutdown), kill = SIGKILL, restart = stop
 * and start on the same data. Nothing here runs rabbitmqctl, which without `-n` would reach the
 * shared node.
 */
export interface PrivateRabbitMQ {
  /** amqp:// URL of the node (guest/guest on loopback). */
  readonly url: string;
  readonly port: number;
  readonly nodeName: string;
  /** PID of the running node's Erlang VM (undefined while stopped). */
  readonly pid: number | undefined;
  /** How long each start took until the AMQP port answered, in ms. */
  readonly startTimesMs: readonly number[];
  /** Starts the node again on the same data (it must be stopped). */
  start(): Promise<void>;
  /** Graceful stop: SIGTERM by PID, SIGKILL if it takes over 30 s. */
  stop(): Promise<void>;
  /** SIGKILL by PID: a crash, as far as the node's data is concerned. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the node and its epmd and removes every file (idempotent; also runs at process exit). */
  dispose(): Promise<void>;
}

/** A cold start takes 4–6 s on an idle 2-core machine; the bound allows a loaded CI machine. */
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 30_000;

export async function startPrivateRabbitMQ(label = 'pqfault'): Promise<PrivateRabbitMQ> {
  // The Debian package's /usr/sbin/rabbitmq-server re-runs itself through `su rabbitmq`, whose
  // PID would not be the node's; the real script is in /usr/lib/rabbitmq/bin.
  const server = findBrokerBinary('rabbitmq-server', {
    aptPackage: 'rabbitmq-server',
    extraDirs: ['/usr/lib/rabbitmq/bin', '/usr/lib/rabbitmq/sbin'],
  });
  const epmd = findBrokerBinary('epmd', { aptPackage: 'erlang-base', extraDirs: ['/usr/lib/erlang/bin'] });
  if (!server.path) throw new Error(server.missing);
  if (!epmd.path) throw new Error(epmd.missing);

  const dir = tempDir(label);
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `${label}-${randomBytes(4).toString('hex')}@localhost`;
  writeFileSync(join(dir.path, 'enabled_plugins'), '[].\n');
  writeFileSync(
    join(dir.path, 'rabbitmq-env.conf'),
    '# empty: the node ignores /etc/rabbitmq/rabbitmq-env.conf\n',
  );
  writeFileSync(
    join(dir.path, 'rabbitmq.conf'),
    [`listeners.tcp.1 = 127.0.0.1:${port}`, 'loopback_users.guest = true', ''].join('\n'),
  );
  const env: Record<string, string> = {
    HOME: dir.path, // the Erlang cookie is created here, not in the developer's home
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONF_ENV_FILE: join(dir.path, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir.path, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir.path, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir.path, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir.path, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir.path, 'log'),
    RABBITMQ_PID_FILE: join(dir.path, 'rabbitmq.pid'),
    // Run the VM in place of the script (exec), so the spawned PID is the node; -noinput keeps
    // the Erlang shell off (stdin is /dev/null).
    RABBITMQ_ALLOW_INPUT: 'true',
    RABBITMQ_SERVER_START_ARGS: '-noinput',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };

  let epmdProcess: ServerProcess | undefined;
  let node: ServerProcess | undefined;
  const startTimesMs: number[] = [];
  const start = async () => {
    if (node) throw new Error(`private RabbitMQ ${nodeName} is already running (pid ${node.pid})`);
    const began = Date.now();
    node = await startServerProcess({
      name: 'rabbitmq',
      command: server.path!,
      env,
      dir: dir.path,
      port,
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    startTimesMs.push(Date.now() - began);
  };
  const stop = async () => {
    await node?.stop(STOP_GRACE_MS);
    node = undefined;
  };
  const kill = async () => {
    await node?.kill();
    node = undefined;
  };
  const dispose = async () => {
    try {
      await kill();
      await epmdProcess?.kill();
    } finally {
      epmdProcess = undefined;
      dir.remove();
    }
  };

  try {
    epmdProcess = await startServerProcess({
      name: 'epmd',
      command: epmd.path,
      args: ['-port', String(epmdPort), '-address', '127.0.0.1'],
      env: { ERL_EPMD_PORT: String(epmdPort) },
      dir: dir.path,
      port: epmdPort,
      readyTimeoutMs: 10_000,
    });
    await start();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    nodeName,
    get pid() {
      return node?.pid;
    },
    startTimesMs,
    start,
    stop,
    kill,
    restart: async () => {
      await stop();
      await start();
    },
    dispose,
  };
}
