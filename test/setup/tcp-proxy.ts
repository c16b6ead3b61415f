import { createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of the PostgreSQL server that can cut every connection and refuse new
 * ones, as a database restart would, or stall: keep every connection open and forward nothing,
 * as a network that silently drops packets does.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private up = true;
  private stalled = false;
  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<CuttableProxy> {
    // Assigned once the server exists; the connection handler reads it.
    // eslint-disable-next-line prefer-const
    let proxy: CuttableProxy | undefined;
    const server = createServer((client) => {
      if (!proxy?.up) return client.destroy();
      const upstream = new Socket();
      upstream.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy?.sockets.delete(s));
        s.on('error', () => undefined);
      }
      // Bytes are dropped, not buffered, while the proxy stalls.
      client.on('data', (chunk) => proxy?.stalled || upstream.write(chunk));
      upstream.on('data', (chunk) => proxy?.stalled || client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    proxy = new CuttableProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The target URL with its host and port replaced by the proxy's. */
  static via(target: URL, proxy: CuttableProxy): string {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return url.toString();
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  stall(): void {
    this.stalled = true;
  }

  restore(): void {
    this.up = true;
    this.stalled = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
