import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { errorMessage, OfnError } from '../errors.js';
import type { OfnEvent } from '../protocol/journal.js';
import { PoolError, type FunctionPool } from '../serving/pool.js';
import type { Lease } from '../serving/types.js';
import { endToEndHeaders, readRequestHead } from './hop-by-hop.js';
import { routeRequest, type RouteMatch } from './router.js';
import { loadUpstream, UpstreamClients, type UpstreamRequest } from './upstream.js';

export interface GatewayOptions {
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Host-based routes are `<name>.<ns>.<domain>`. */
  domain: string;
  clusterDomain: string;
  pool: (namespace: string, name: string) => FunctionPool | undefined;
  /** Known function keys, for the 404 page. */
  list: () => string[];
  emit: (event: OfnEvent) => void;
  /** A webhook at this method and path (an http EventSource), taking the body; resolves to the event id. */
  webhook?: (method: string, path: string) => ((body: Buffer, contentType: string | undefined, headers: http.IncomingHttpHeaders) => Promise<string>) | undefined;
}

/** A webhook event's largest body (as the control API's). */
const WEBHOOK_MAX_BYTES = 16 * 1024 * 1024;
/**
 * Request bodies up to this size are kept while forwarded, so a request whose instance turned out
 * dead (refused, or a reused connection reset before any answer byte) goes to another instance or a
 * fresh one, as Knative's activator retries; larger or chunked bodies stream through and are not retried.
 */
const REPLAY_MAX_BYTES = 1024 * 1024;
/** Times one request is sent again after its instance failed it that way. */
const MAX_RETRIES = 3;
/**
 * Request headers the gateway sets itself (Host, X-Forwarded-*), and Expect: the gateway's server
 * has already answered a `100-continue`, so it is not asked of the instance again.
 */
const SET_BY_GATEWAY = new Set(['host', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-for', 'expect']);

export class GatewayError extends OfnError<'ERR_PORT_IN_USE' | 'ERR_LISTEN'> {}

/**
 * One local port for every function, like OpenFunction's gateway in front of Knative: path-based
 * (`/<ns>/<name>/...`) and host-based (`<name>.<ns>.ofn.localhost`) routes, the path passed on
 * unchanged, Host set to the function's in-cluster name as the cluster's route does.
 */
export class Gateway {
  readonly #o: GatewayOptions;
  readonly #server: http.Server;
  readonly #upstream = new UpstreamClients();
  #port = 0;
  /** Per-function listeners standing in for `<fn>.<ns>.svc.cluster.local` (see serviceAddress). */
  readonly #services = new Map<string, Promise<{ port: number; servers: http.Server[] }>>();
  #closed = false;
  /** Client sockets joined to an instance after an upgrade: no server tracks them any more. */
  readonly #upgraded = new Set<Duplex>();

  constructor(opts: GatewayOptions) {
    this.#o = opts;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.#server.keepAliveTimeout = 65_000;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://localhost:${this.#port}`;
  }

  /**
   * Closes kept-alive sockets to an address that no request uses right now: after a hot reload
   * they lead to the old code's worker.
   */
  dropIdleSockets(address: { host: string; port: number }): void {
    this.#upstream.dropIdle(address);
  }

  async listen(): Promise<number> {
    await loadUpstream();
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new GatewayError('ERR_PORT_IN_USE', `gateway port ${this.#o.port} is already in use`, { port: this.#o.port }, 'pass --port <n> to choose another, or --port 0 for any free port'),
          );
        } else reject(new GatewayError('ERR_LISTEN', `gateway cannot listen on ${this.#o.host}:${this.#o.port}: ${err.message}`, { port: this.#o.port }));
      };
      this.#server.once('error', onError);
      this.#server.listen(this.#o.port, this.#o.host, () => {
        this.#server.off('error', onError);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.#port;
  }

  /**
   * A port of its own for one function on each of `hosts`, where every request goes to that function
   * with its path unchanged: what `http://<fn>.<ns>.svc.cluster.local/...` is on a cluster. Sinks,
   * `bindings.http` outputs and event deliveries addressed to a function by its cluster name are
   * pointed here. Opened once per function; the same port on every host.
   */
  async serviceAddress(namespace: string, name: string, hosts: string[]): Promise<number> {
    if (this.#closed) throw new GatewayError('ERR_LISTEN', 'the gateway is closed');
    const key = `${namespace}/${name}`;
    // The promise is kept, so concurrent callers (two builds) get the same port, never a 0.
    let entry = this.#services.get(key);
    if (!entry) {
      entry = this.#openService(namespace, name, hosts);
      this.#services.set(key, entry);
      entry.catch(() => this.#services.delete(key));
    }
    return (await entry).port;
  }

  async #openService(namespace: string, name: string, hosts: string[]): Promise<{ port: number; servers: http.Server[] }> {
    await loadUpstream();
    const entry = { port: 0, servers: [] as http.Server[] };
    const route = { namespace, name, by: 'host' as const };
    for (const host of [...new Set(hosts)]) {
      const server = http.createServer((req, res) => this.#handle(req, res, route));
      server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head, route));
      server.keepAliveTimeout = 65_000;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(entry.port, host, () => resolve());
        });
      } catch (err) {
        for (const s of entry.servers) s.close();
        throw new GatewayError('ERR_LISTEN', `cannot listen for ${namespace}/${name} on ${host}: ${errorMessage(err)}`, { port: entry.port });
      }
      entry.port = (server.address() as AddressInfo).port;
      entry.servers.push(server);
    }
    if (this.#closed) {
      for (const s of entry.servers) s.close();
      throw new GatewayError('ERR_LISTEN', 'the gateway is closed');
    }
    return entry;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#services.values()) {
      const entry = await pending.catch(() => undefined);
      for (const server of entry?.servers ?? []) {
        server.close();
        server.closeAllConnections();
      }
    }
    this.#services.clear();
    for (const socket of this.#upgraded) socket.destroy();
    this.#upgraded.clear();
    this.#upstream.close();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse, fixed?: RouteMatch): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const hook = fixed ? undefined : this.#o.webhook?.(method, path);
    if (hook) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= WEBHOOK_MAX_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        if (size > WEBHOOK_MAX_BYTES) return reply(res, 413, `an event may have at most ${WEBHOOK_MAX_BYTES} bytes\n`);
        hook(Buffer.concat(chunks), req.headers['content-type'], req.headers).then(
          (id) => {
            res.writeHead(202, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ id }));
          },
          // A refused event (say a malformed CloudEvent: 400) keeps its status.
          (err: unknown) => reply(res, clientStatus(err) ?? 500, `${errorMessage(err)}\n`),
        );
      });
      return;
    }
    const head = readRequestHead(req.rawHeaders, SET_BY_GATEWAY);
    const found = this.#route(head.host, url, fixed);
    if (!found) {
      reply(res, 404, this.#notFound(url));
      return;
    }
    const { route, pool } = found;
    const done = (status: number, lease?: Lease) =>
      this.#o.emit({
        type: 'request.completed',
        fn: pool.key,
        method,
        path,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        cold: lease?.cold ?? false,
        instance: lease?.slot.instance.id,
      });
    const headers = head.forward;
    headers.push('host', this.#serviceHost(route), 'x-forwarded-host', head.host ?? '', 'x-forwarded-proto', 'http', 'x-forwarded-for', req.socket.remoteAddress ?? '');
    const forward = (p: FunctionPool, attempt: number, body: Buffer | Readable | null): Promise<void> =>
      this.#acquire(route, p).then(
        ({ pool: got, lease }) => {
          const retry = () => void forward(this.#o.pool(route.namespace, route.name) ?? got, attempt + 1, body);
          this.#forward(res, got, lease, { method, path: url, headers, body }, done, attempt < MAX_RETRIES ? retry : undefined);
        },
        (err: unknown) => {
          // The activator could not get an instance: 503 with the reason, as Knative's activator does.
          const status = err instanceof PoolError ? 503 : 500;
          reply(res, status, `${errorMessage(err)}\n`);
          done(status);
        },
      );
    const length = head.contentLength === undefined ? 0 : Number(head.contentLength);
    if (head.chunked || !(length <= REPLAY_MAX_BYTES)) {
      // Streamed through: once sent it cannot be sent again.
      void forward(pool, MAX_RETRIES, req);
      return;
    }
    if (length === 0) {
      void forward(pool, 0, null);
      return;
    }
    readBody(req).then(
      (body) => forward(pool, 0, body),
      () => res.destroy(),
    );
  }

  /** Host as the cluster's route sets it: the function's in-cluster name. */
  #serviceHost(route: RouteMatch): string {
    return `${route.name}.${route.namespace}.svc.${this.#o.clusterDomain}`;
  }

  /** The route and its function's pool, looked up once (the daemon's lookup runs on every request). */
  #route(host: string | undefined, url: string, fixed?: RouteMatch): { route: RouteMatch; pool: FunctionPool } | undefined {
    if (fixed) {
      const pool = this.#o.pool(fixed.namespace, fixed.name);
      return pool ? { route: fixed, pool } : undefined;
    }
    let pool: FunctionPool | undefined;
    const route = routeRequest(host, url, {
      domain: this.#o.domain,
      clusterDomain: this.#o.clusterDomain,
      has: (ns, name) => (pool = this.#o.pool(ns, name)) !== undefined,
    });
    return route && pool ? { route, pool } : undefined;
  }

  #notFound(url: string): string {
    const fns = this.#o.list();
    return `no function at ${url}\nfunctions here: ${fns.length ? fns.map((f) => `/${f}`).join(', ') : '(none)'}\n`;
  }

  /** An instance of the route's function, waking it from zero; held across a reload that replaced the pool. */
  #acquire(route: RouteMatch, p: FunctionPool): Promise<{ pool: FunctionPool; lease: Lease }> {
    return p.acquire().then(
      (lease) => ({ pool: p, lease }),
      (err: unknown) => {
        // Held while its function was replaced by an edited version: the new pool takes it.
        const now = this.#o.pool(route.namespace, route.name);
        if (err instanceof PoolError && err.code === 'ERR_DISPOSED' && now && now !== p) return this.#acquire(route, now);
        throw err;
      },
    );
  }

  /** Headers for the instance: end-to-end ones, Host as the cluster's route sets it, X-Forwarded-*. */
  #upstreamHeaders(req: http.IncomingMessage, route: RouteMatch): http.OutgoingHttpHeaders {
    const headers = endToEndHeaders(req.headers);
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers.host = this.#serviceHost(route);
    return headers;
  }

  /**
   * A protocol upgrade (WebSocket): the instance is held for as long as the connection lives (it
   * counts as a request in flight, as Knative's activator counts it), and the two sockets are joined
   * once the function answers 101. Written here rather than with http-proxy: its maintained fork
   * needs Node 22.
   */
  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, fixed?: RouteMatch): void {
    const started = performance.now();
    const url = req.url ?? '/';
    socket.on('error', () => socket.destroy());
    const found = this.#route(req.headers.host, url, fixed);
    if (!found) return rawReply(socket, 404, this.#notFound(url));
    const { route, pool } = found;
    const done = (status: number, lease?: Lease) =>
      this.#o.emit({
        type: 'request.completed',
        fn: pool.key,
        method: req.method ?? 'GET',
        path: url.split('?', 1)[0]!,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        cold: lease?.cold ?? false,
        instance: lease?.slot.instance.id,
      });
    this.#acquire(route, pool).then(
      ({ pool: got, lease }) => {
        let released = false;
        const release = () => {
          if (!released) {
            released = true;
            got.release(lease.slot);
          }
        };
        const headers = this.#upstreamHeaders(req, route);
        headers.connection = 'Upgrade';
        headers.upgrade = req.headers.upgrade ?? '';
        const upstream = http.request({ host: lease.slot.instance.address.host, port: lease.slot.instance.address.port, method: req.method, path: url, headers, agent: false });
        upstream.once('upgrade', (answer: http.IncomingMessage, upSocket: Socket, upHead: Buffer) => {
          socket.write(`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}\r\n${rawHeaderLines(answer.rawHeaders)}\r\n`);
          if (upHead.length > 0) socket.write(upHead);
          if (head.length > 0) upSocket.write(head);
          upSocket.pipe(socket);
          socket.pipe(upSocket);
          this.#upgraded.add(socket);
          // Either side ending ends the connection (the servers' sockets would stay half open).
          const close = () => {
            this.#upgraded.delete(socket);
            upSocket.destroy();
            socket.destroy();
            if (!released) done(101, lease);
            release();
          };
          for (const s of [upSocket, socket]) {
            s.once('end', close);
            s.once('close', close);
          }
          upSocket.on('error', close);
        });
        // The function did not switch protocols: its answer goes back as it is.
        upstream.once('response', (answer: http.IncomingMessage) => {
          socket.write(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n${rawHeaderLines(answer.rawHeaders)}\r\n`);
          answer.pipe(socket);
          answer.once('end', () => {
            release();
            done(answer.statusCode ?? 502, lease);
          });
        });
        upstream.once('error', (err: Error) => {
          release();
          rawReply(socket, 502, `${got.key} did not answer: ${err.message}\n`);
          done(502, lease);
        });
        socket.once('close', () => {
          if (!released) upstream.destroy();
        });
        upstream.end();
      },
      (err: unknown) => {
        const status = err instanceof PoolError ? 503 : 500;
        rawReply(socket, status, `${errorMessage(err)}\n`);
        done(status);
      },
    );
  }

  /**
   * Sends one request to the leased instance and streams its answer back; the lease is held until the
   * answer ends or fails. A request that never reached the instance goes to `retry` (see the rule below).
   */
  #forward(res: http.ServerResponse, pool: FunctionPool, lease: Lease, request: UpstreamRequest, done: (status: number, lease?: Lease) => void, retry?: () => void): void {
    const { slot } = lease;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        pool.release(slot);
      }
    };
    let status = 502;
    const exchange = this.#upstream.send(slot.instance.address, request, {
      head: (answered, headers) => {
        status = answered;
        res.writeHead(answered, headers);
      },
      data: (chunk) => {
        if (res.write(chunk)) return true;
        res.once('drain', () => exchange.resume());
        return false;
      },
      end: () => {
        res.end();
        release();
        done(status, lease);
      },
      fail: ({ error, refused, reset, reused, answered, invalid }) => {
        release();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (invalid) {
          reply(res, 400, `the gateway cannot forward this request: ${error.message}\n`);
          done(400, lease);
          return;
        }
        // Refused: nothing listens any more, the instance is gone. (A reset may just be a kept-alive
        // connection the function closed; that instance still serves.)
        if (refused) void pool.markDead(slot, `connection to ${slot.instance.id} failed: ${error.code}`);
        // Sent again, to another instance or a fresh one, only when the instance cannot have seen it:
        // refused, or a kept-alive connection closed under it before any byte of an answer (the
        // instance closed an idle connection as the request went out). On a fresh connection, or once
        // any answer byte came, the instance may have acted on it: never sent twice.
        const unsent = refused || (reset && reused && !answered);
        if (unsent && retry && !res.destroyed) {
          retry();
          return;
        }
        // The instance may have died under the request. If so it is taken out before the 502 goes
        // back, so the client's next request finds another instance.
        const checked = refused ? Promise.resolve() : pool.verify(slot).catch(() => undefined);
        void checked.then(() => {
          reply(res, 502, `${pool.key} did not answer: ${error.message}\n`);
          done(502, lease);
        });
      },
    });
    res.once('close', () => {
      if (!res.writableFinished) {
        exchange.abort();
        release();
      }
    });
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** A 4xx status an error asks for (e.g. a malformed event), if any. */
function clientStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** `Name: value` lines (each ending in CRLF) from Node's flat rawHeaders list. */
function rawHeaderLines(raw: string[]): string {
  let out = '';
  for (let i = 0; i + 1 < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return out;
}

/** An HTTP answer written on a socket that was handed over for an upgrade, then closed. */
function rawReply(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function reply(res: http.ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
