import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PoolRuntime } from '../../src/serving/types.js';
import type { Instance, InstanceSpec } from '../../src/runtime/runtime.js';

/**
 * A runtime whose instances are HTTP servers in this process, for unit tests of the pool and the
 * gateway: `serve` sets up each instance's server (by default it answers with the instance id).
 * Tests subclass it to make instances fail, hang or die in the ways they need.
 */
export class InProcessRuntime implements PoolRuntime {
  readonly kind = 'process' as const;
  readonly servers = new Map<string, http.Server>();
  starts = 0;

  constructor(handler?: (id: string, server: http.Server) => void) {
    if (handler) this.serve = handler;
  }

  /** Sets up one instance's server; a subclass overrides it, or a handler is given to the constructor. */
  serve(id: string, server: http.Server): void {
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => res.end(id));
  }

  async prepare(): Promise<void> {}

  async start(spec: InstanceSpec): Promise<Instance> {
    const id = `i${++this.starts}`;
    const server = http.createServer();
    this.serve(id, server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.servers.set(id, server);
    return { id, spec, address: { host: '127.0.0.1', port: (server.address() as AddressInfo).port }, state: 'running' };
  }

  /** Stops answering at once (connections refused), without the pool being told. */
  async kill(id: string): Promise<void> {
    const server = this.servers.get(id);
    this.servers.delete(id);
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }

  async remove(instance: Instance): Promise<void> {
    await this.kill(instance.id);
    instance.state = 'removed';
  }

  async resume(): Promise<void> {}
  async suspend(): Promise<void> {}
  async signal(): Promise<void> {}
  async dispose(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.kill(id)));
  }
  async isAlive(instance: Instance): Promise<boolean> {
    return this.servers.has(instance.id);
  }
  async sidecarAlive(): Promise<boolean> {
    return true;
  }
  async restartSidecar(): Promise<void> {}
}
