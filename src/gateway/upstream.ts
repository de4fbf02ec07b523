/**
 * The gateway's client side: kept-alive HTTP/1.1 connections to instances, each an undici `Client`
 * with pipelining 1 (one exchange at a time, as the pool's lease counts them), parked per address
 * between requests. Kept here rather than in undici's `Pool` because the retry rule needs to know, per
 * request, whether it went out on a connection that had carried an earlier exchange and whether any
 * byte of its answer arrived: each connection's socket comes from our connector, so both are read off
 * that socket.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Client, Dispatcher } from 'undici';
import { endToEndHeaders } from './hop-by-hop.js';

export interface UpstreamAddress {
  host: string;
  port: number;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  /** End-to-end headers as a flat `[name, value, ...]` list, Host among them. */
  headers: string[];
  /** The whole body (kept for a retry), a stream passed through, or none. */
  body: Buffer | Readable | null;
}

/** How an exchange failed: what the retry rule needs to know. */
export interface UpstreamFailure {
  error: Error & { code?: string };
  /** Nothing listens at the address (refused, unreachable): the request never reached an instance. */
  refused: boolean;
  /** The connection closed or was reset under the request. */
  reset: boolean;
  /** The request went out on a connection that had carried an earlier exchange. */
  reused: boolean;
  /** At least one byte of the answer had arrived. */
  answered: boolean;
  /** The request could not be sent at all as given (e.g. a header undici refuses). */
  invalid: boolean;
}

export interface UpstreamHandler {
  /** The answer's status and end-to-end headers. */
  head(status: number, headers: OutgoingHttpHeaders): void;
  /** A chunk of the answer's body; false asks for a pause until `resume`. */
  data(chunk: Buffer): boolean;
  end(): void;
  fail(failure: UpstreamFailure): void;
}

export interface Exchange {
  /** Continues an answer paused by `data` returning false. */
  resume(): void;
  /** Stops the exchange (the client went away); the connection is closed. */
  abort(): void;
}

/** Idle connections kept per address (http.Agent's maxFreeSockets for the hand-written proxy). */
const MAX_IDLE = 256;
// Idle connections close after 4 s, before a Node server's default 5 s keep-alive closes them.
const KEEP_ALIVE_MS = 4000;
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const INVALID = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

type Undici = typeof import('undici');
/**
 * undici is loaded when a gateway starts, not with the daemon's modules: its index loads all of it
 * (fetch, WebSocket, caches), 100-250 ms that every CLI command importing the daemon would pay.
 */
let undici: { Client: Undici['Client']; connect: ReturnType<Undici['buildConnector']> } | undefined;
let loading: Promise<void> | undefined;

/** Loads the client side; `Gateway.listen` (and each service port) waits for it before taking requests. */
export function loadUpstream(): Promise<void> {
  loading ??= import('undici').then((m) => {
    // No connect timeout: as with node:http, the OS decides when a connect gives up.
    undici = { Client: m.Client, connect: m.buildConnector({ timeout: 0 }) };
  });
  return loading;
}

/** One kept-alive connection: an undici Client and the socket it currently uses. */
interface Connection {
  client: Client;
  origin: Origin;
  socket: Socket | undefined;
  /** Requests written on the current socket so far. */
  sent: number;
  idle: boolean;
}

interface Origin {
  key: string;
  url: string;
  idle: Connection[];
  open: number;
}

export class UpstreamClients {
  readonly #origins = new Map<string, Origin>();
  readonly #all = new Set<Connection>();

  /** Sends one request to the instance at `address`; the handler hears its answer or its failure. */
  send(address: UpstreamAddress, request: UpstreamRequest, handler: UpstreamHandler): Exchange {
    const origin = this.#origin(address);
    const conn = origin.idle.pop() ?? this.#open(origin);
    conn.idle = false;
    const attempt = new Attempt(conn, handler, (reusable) => this.#done(conn, reusable));
    conn.client.dispatch({ method: request.method, path: request.path, headers: request.headers, body: request.body }, attempt);
    return attempt;
  }

  /** Closes idle connections to an address (after a hot reload they lead to the old code's worker). */
  dropIdle(address: UpstreamAddress): void {
    const origin = this.#origins.get(`${address.host}:${address.port}`);
    if (!origin) return;
    for (const conn of origin.idle.splice(0)) this.#close(conn);
  }

  /** Closes every connection, in use or not. */
  close(): void {
    for (const conn of [...this.#all]) this.#close(conn);
  }

  #origin(address: UpstreamAddress): Origin {
    const key = `${address.host}:${address.port}`;
    let origin = this.#origins.get(key);
    if (!origin) {
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      origin = { key, url: `http://${host}:${address.port}`, idle: [], open: 0 };
      this.#origins.set(key, origin);
    }
    return origin;
  }

  #open(origin: Origin): Connection {
    if (!undici) throw new Error('the gateway took a request before its client side was loaded (loadUpstream)');
    const { Client, connect } = undici;
    const client = new Client(origin.url, {
      pipelining: 1,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      // A server's `Keep-Alive: timeout=5` hint, less 1 s, is the same 4 s.
      keepAliveTimeoutThreshold: 1000,
      // No time limit on an answer, as before: a function may take long, or stream for long.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (opts, callback) =>
        connect(opts, (...args) => {
          if (args[0] === null) {
            conn.socket = args[1] as Socket;
            conn.sent = 0;
          }
          callback(...args);
        }),
    });
    const conn: Connection = { client, origin, socket: undefined, sent: 0, idle: false };
    // A parked connection whose socket closed (kept-alive timeout, the instance gone) is dropped.
    conn.client.on('disconnect', () => {
      if (!conn.idle) return;
      const i = origin.idle.indexOf(conn);
      if (i >= 0) origin.idle.splice(i, 1);
      this.#close(conn);
    });
    origin.open++;
    this.#all.add(conn);
    return conn;
  }

  #done(conn: Connection, reusable: boolean): void {
    if (!reusable || conn.origin.idle.length >= MAX_IDLE || !this.#all.has(conn)) return this.#close(conn);
    conn.idle = true;
    conn.origin.idle.push(conn);
  }

  #close(conn: Connection): void {
    if (!this.#all.delete(conn)) return;
    conn.idle = false;
    if (--conn.origin.open === 0 && conn.origin.idle.length === 0) this.#origins.delete(conn.origin.key);
    conn.client.destroy().catch(() => undefined);
  }
}

/** One request on one connection, as undici's dispatch handler. */
class Attempt implements Dispatcher.DispatchHandler, Exchange {
  readonly #conn: Connection;
  readonly #handler: UpstreamHandler;
  readonly #settle: (reusable: boolean) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #started = false;
  #reused = false;
  /** The socket's bytes read when the request went out: more later means the answer began. */
  #readAtStart = 0;
  #finished = false;
  #aborted = false;

  constructor(conn: Connection, handler: UpstreamHandler, settle: (reusable: boolean) => void) {
    this.#conn = conn;
    this.#handler = handler;
    this.#settle = settle;
  }

  // Called once, as the request is written: one request per connection at a time (pipelining 1),
  // so undici never writes it a second time.
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    const conn = this.#conn;
    this.#started = true;
    this.#reused = conn.sent > 0;
    conn.sent++;
    this.#readAtStart = conn.socket?.bytesRead ?? 0;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    // Informational answers (103 Early Hints) end at the gateway, as node:http's client left them:
    // the client gets the final answer only.
    if (status < 200) return;
    this.#handler.head(status, endToEndHeaders(headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#handler.data(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#finished = true;
    this.#settle(true);
    this.#handler.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error & { code?: string }): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settle(false);
    if (this.#aborted) return;
    const code = error.code ?? '';
    const socket = this.#conn.socket;
    this.#handler.fail({
      error,
      refused: !this.#started && REFUSED.has(code),
      reset: RESET.has(code),
      reused: this.#reused,
      answered: this.#started && socket !== undefined && socket.bytesRead > this.#readAtStart,
      invalid: INVALID.has(code),
    });
  }

  resume(): void {
    this.#controller?.resume();
  }

  abort(): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    // Not written yet (still connecting): closing the connection fails it, and it is never sent.
    if (this.#controller) this.#controller.abort(new Error('aborted by the client'));
    else this.#conn.client.destroy().catch(() => undefined);
  }
}
