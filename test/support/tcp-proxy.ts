import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { onExit } from './cleanup.js';

/**
 * A loopback TCP proxy in front of a private broker, for network faults a test switches at run
 * time:
 * - `pass`: forwards both ways;
 * - `drop-new`: each connection accepted in this mode is forwarded, then cut (reset or closed,
 *   at random) 0–40 ms after accept, i.e. during or right after the protocol handshake;
 * - `partition`: forwards nothing in either direction and closes nothing, like a silent network
 *   partition: both sockets stay open, bytes wait in the kernel buffers, and a peer that closes
 *   is not told to the other side until the partition heals.
 * Connections already open when the mode changes follow the new mode for forwarding; `cutAll()`
 * closes them, e.g. to start a reconnect storm.
 */
export type ProxyMode = 'pass' | 'drop-new' | 'partition';

export interface TcpProxyStats {
  accepted: number;
  dropped: number;
  open: number;
}

export interface TcpProxy {
  readonly port: number;
  mode: ProxyMode;
  readonly stats: Readonly<TcpProxyStats>;
  /** Resets every open connection (both sides). */
  cutAll(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
  mode?: ProxyMode;
  /** Delay before a `drop-new` connection is cut; default uniform in [0, 40] ms. */
  dropDelayMs?: () => number;
}

const DROP_WINDOW_MS = 40;

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const links = new Set<Link>();
  const stats: TcpProxyStats = { accepted: 0, dropped: 0, open: 0 };
  const dropDelayMs = options.dropDelayMs ?? (() => Math.random() * DROP_WINDOW_MS);
  let mode: ProxyMode = options.mode ?? 'pass';

  const server: Server = createServer({ noDelay: true }, (client) => {
    stats.accepted++;
    const upstream = tcpConnect({
      host: options.targetHost ?? '127.0.0.1',
      port: options.targetPort,
      noDelay: true,
    });
    const link = new Link(
      client,
      upstream,
      () => mode === 'partition',
      () => {
        links.delete(link);
        stats.open = links.size;
      },
    );
    links.add(link);
    stats.open = links.size;
    if (mode === 'drop-new') {
      const timer = setTimeout(() => {
        stats.dropped++;
        link.cut(Math.random() < 0.5 ? 'reset' : 'end');
      }, dropDelayMs());
      link.onClosed(() => clearTimeout(timer));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy got no TCP port');

  const cutAll = () => {
    for (const link of links) link.cut('reset');
  };
  const closeNow = onExit(() => {
    cutAll();
    server.close();
  });
  return {
    port: address.port,
    get mode() {
      return mode;
    },
    set mode(next: ProxyMode) {
      mode = next;
      for (const link of links) link.update();
    },
    stats,
    cutAll,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closeNow();
      }),
  };
}

/** One proxied connection: two sockets, forwarding with backpressure unless partitioned. */
class Link {
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  /** A side that ended or failed while partitioned: passed on only when the partition heals. */
  private deferredEnd = false;
  private readonly blocked = new Set<Socket>();

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly partitioned: () => boolean,
    onClosed: () => void,
  ) {
    this.closeListeners.push(onClosed);
    this.forward(client, upstream);
    this.forward(upstream, client);
    this.update();
  }

  onClosed(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Applies the current mode: pause both sockets in a partition, resume them otherwise. */
  update(): void {
    if (this.closed) return;
    if (this.partitioned()) {
      this.client.pause();
      this.upstream.pause();
      return;
    }
    if (this.deferredEnd) {
      this.cut('end');
      return;
    }
    for (const socket of [this.client, this.upstream]) if (!this.blocked.has(socket)) socket.resume();
  }

  cut(how: 'reset' | 'end'): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [this.client, this.upstream]) {
      if (how === 'reset' && !socket.destroyed && socket.readyState !== 'opening') socket.resetAndDestroy();
      else socket.destroy();
    }
    for (const listener of this.closeListeners) listener();
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      // The other side is slow: stop reading until it drains, as a real network would.
      this.blocked.add(from);
      from.pause();
      to.once('drain', () => {
        this.blocked.delete(from);
        this.update();
      });
    });
    const ended = () => {
      if (this.partitioned()) this.deferredEnd = true;
      else this.cut('end');
    };
    from.on('end', ended);
    from.on('error', ended);
    from.on('close', ended);
  }
}
