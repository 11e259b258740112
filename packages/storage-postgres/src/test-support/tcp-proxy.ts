import { createConnection, createServer, type Server, type Socket } from 'node:net';

/*
 * A loopback TCP proxy in front of the shared Postgres server, for outage tests that must not
 * restart or stop the server itself (other test files use it at the same time). `cut()` drops every
 * connection through it at once, as a server restart or a network failure does; `refuse(ms)` also
 * stops listening for a while, so connects fail with ECONNREFUSED as they do while a server is down.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #target: { host: string; port: number };
  #port = 0;
  #listening = false;
  #closed = false;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** A proxy on an ephemeral loopback port forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.#listen(0);
    return proxy;
  }

  /** The port to connect to. */
  get port(): number {
    return this.#port;
  }

  /** Connections open through the proxy now. */
  get connectionCount(): number {
    return this.#sockets.size / 2;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.#port);
    return parsed.toString();
  }

  #accept(client: Socket): void {
    const upstream = createConnection(this.#target);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.#sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#listening = true;
    const address = this.#server.address();
    if (address && typeof address === 'object') this.#port = address.port;
  }

  /** Destroys every connection through the proxy (both ends) at once. */
  cut(): void {
    for (const socket of [...this.#sockets]) socket.destroy();
  }

  /** Cuts every connection and refuses new ones (the port is closed) for `ms`, then listens again on the same port. */
  async refuse(ms: number): Promise<void> {
    if (this.#listening) {
      this.#listening = false;
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      this.cut();
      await closed;
    }
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (!this.#closed) await this.#listen(this.#port);
  }

  /** Stops the proxy and drops its connections. */
  async close(): Promise<void> {
    this.#closed = true;
    this.cut();
    if (this.#listening) {
      this.#listening = false;
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
  }
}
