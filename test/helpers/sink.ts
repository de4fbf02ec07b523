import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  /** The body parsed as JSON, or the text when it is not JSON. */
  body: unknown;
}

export interface Sink {
  port: number;
  /** Every request, in arrival order. */
  received: Received[];
  close(): Promise<void>;
}

/**
 * Where output bindings deliver in tests: an HTTP server on every interface (containers reach it
 * through the bridge as host.docker.internal) that records each request and answers 200 `{}`.
 */
export async function sinkServer(): Promise<Sink> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // a text body
      }
      received.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The `field` of every JSON body the sink got (at `path`, when given). */
export function fieldOf<T>(sink: Sink, field: string, path?: string): T[] {
  return sink.received
    .filter((r) => (path === undefined || r.path === path) && r.body !== null && typeof r.body === 'object' && field in (r.body as object))
    .map((r) => (r.body as Record<string, T>)[field]!);
}
