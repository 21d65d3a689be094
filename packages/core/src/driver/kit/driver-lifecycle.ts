import type { BackgroundErrorSink } from '../background-error.js';
import type { QueueTopology } from '../queue-topology.js';
import { BackgroundErrors } from './background-errors.js';
import { type QueueService, QueueServices } from './queue-services.js';

export interface DriverLifecycleOptions<C> {
  /**
   * Builds what a queue's receiver, deliveries, services and dead-letter store share (its names,
   * the client, a reporter naming the queue...). Called once per topology: see `context`.
   */
  readonly context: (topology: QueueTopology) => C;
  /** The queue's background work (forwarder, copier), run while a receiver of it is open. */
  readonly services?: (context: C) => readonly QueueService[];
  /** The broker connection: its errors are reported as `connection`; `close` closes it (see there when). */
  readonly connection: LifecycleConnection;
}

/** What the lifecycle needs of a driver's client. */
export interface LifecycleConnection {
  /** Registers the listener for errors of the connection itself (a failed reconnect, auth, TLS). */
  onError(listener: (error: unknown) => void): void;
  close(mode: 'graceful' | 'abandon'): Promise<void>;
}

/**
 * The skeleton of a driver with background work: its state (open, closed, or dead once
 * abandoned), its one channel for background errors, a memo of per-queue contexts, the queues'
 * ref-counted services, and a close that stops them in the right order. A driver holds one and
 * keeps only its broker's own calls.
 */
export class DriverLifecycle<C extends { readonly topology: QueueTopology }> {
  /** `Driver.reportErrorsTo` attaches here; every loop and copier reports through it. */
  readonly errors = new BackgroundErrors();
  readonly #options: DriverLifecycleOptions<C>;
  readonly #services: QueueServices;
  readonly #contexts = new Map<string, C>();
  #state: 'open' | 'closed' | 'dead' = 'open';

  constructor(options: DriverLifecycleOptions<C>) {
    this.#options = options;
    const create = options.services;
    this.#services = new QueueServices((topology) => (create ? create(this.context(topology)) : []));
    options.connection.onError((error) => this.errors.report('connection', error));
  }

  /** False once closed or abandoned: settlements and background work then stop (SPI). */
  get alive(): boolean {
    return this.#state === 'open';
  }

  /** `Driver.reportErrorsTo(sink)`. */
  reportErrorsTo(sink: BackgroundErrorSink): void {
    this.errors.attach(sink);
  }

  /**
   * The queue's context, built on first use and kept. A queue declared again with other settings
   * arrives as another topology object: its context is built anew, so nothing keeps the old one.
   */
  context(topology: QueueTopology): C {
    let context = this.#contexts.get(topology.name);
    if (context === undefined || context.topology !== topology) {
      context = this.#options.context(topology);
      this.#contexts.set(topology.name, context);
    }
    return context;
  }

  /** A receiver of `topology` opened: see QueueServices.acquire. Returns its release. */
  acquire(topology: QueueTopology): () => void {
    return this.#services.acquire(topology);
  }

  /**
   * Closes once (later calls resolve at once). Graceful: the services stop first (a forwarder
   * finishes its move, a copier hands back), then the connection closes under them. Abandon, as
   * if the process died: the connection goes first, so nothing is handed back or settled, then the
   * services are stopped.
   */
  async close(mode: 'graceful' | 'abandon'): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = mode === 'graceful' ? 'closed' : 'dead';
    if (mode === 'abandon') {
      await this.#options.connection.close('abandon');
      await this.#services.stopAll('abandon');
      return;
    }
    await this.#services.stopAll('graceful');
    await this.#options.connection.close('graceful');
  }
}
