import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionPool } from '../../../src/serving/pool.js';
import { testPoolOptions } from '../../helpers/test-pool.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { readRequestHead } from '../../../src/gateway/hop-by-hop.js';
import { waitFor } from '../../helpers/http.js';
import { InProcessRuntime } from '../../helpers/in-process-runtime.js';

/** A promise with its resolve, to let each side of an exchange go on only when the other got there. */
function signal<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the gateway streams bodies both ways', () => {
  let gateway: Gateway | undefined;
  let pool: FunctionPool | undefined;
  let runtime: InProcessRuntime | undefined;
  afterEach(async () => {
    await gateway?.close();
    await pool?.dispose();
    await runtime?.dispose();
  });

  async function setup(serve: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<number> {
    runtime = new InProcessRuntime((_id, server) => server.on('request', serve));
    const p = new FunctionPool(testPoolOptions(runtime));
    pool = p;
    await p.setSpec({ namespace: 'default', name: 'fn', port: 8080, env: {}, generation: 1 });
    await p.ensureMin();
    gateway = new Gateway({ port: 0, host: '127.0.0.1', domain: 'ofn.localhost', clusterDomain: 'cluster.local', pool: () => p, list: () => ['default/fn'], emit: () => undefined });
    return gateway.listen();
  }

  it('passes each part of an answer on as it comes, holding the instance until the answer ends', async () => {
    const more = signal();
    const port = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      void more.promise.then(() => res.end('last'));
    });
    const firstPart = signal<string>();
    const whole = new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/default/fn/stream' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            if (!body) firstPart.resolve(c.toString());
            body += c;
          });
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    // The first part arrived while the function has not finished: nothing was buffered.
    expect(await firstPart.promise).toBe('first;');
    expect(pool!.instances[0]!.inFlight).toBe(1);
    more.resolve();
    expect(await whole).toBe('first;last');
    await waitFor(() => pool!.instances[0]!.inFlight === 0, 5000, 'the instance released');
  });

  it('passes a chunked request body on as it comes', async () => {
    const gotFirst = signal();
    const port = await setup((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c;
        gotFirst.resolve();
      });
      req.on('end', () => res.end(`got ${body} (${req.headers['transfer-encoding'] ?? 'no'} transfer-encoding)`));
    });
    const answer = new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/default/fn/upload', method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.write('part1;');
      // The second part goes only once the function has the first: a gateway that buffered the
      // body would wait for the end forever.
      void gotFirst.promise.then(() => req.end('part2'));
    });
    expect(await answer).toBe('got part1;part2 (chunked transfer-encoding)');
  });

  it('answers a HEAD request with the function headers and no body, and the next request on the same client still works', async () => {
    const port = await setup((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5', 'x-method': req.method });
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http
          .request({ host: '127.0.0.1', port, path: '/default/fn/', method, agent }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          })
          .on('error', reject)
          .end();
      });
    const head = await send('HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers).toMatchObject({ 'content-length': '5', 'x-method': 'HEAD' });
    expect(await send('GET')).toMatchObject({ status: 200, body: 'hello' });
    agent.destroy();
  });

  it('answers with the final answer after a 103 Early Hints', async () => {
    const port = await setup((_req, res) => {
      res.writeEarlyHints({ link: '</app.css>; rel=preload; as=style' });
      res.end('final');
    });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/default/fn/' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    expect(answer).toEqual({ status: 200, body: 'final' });
  });

  it('passes a large answer to a slow reader whole, going on when the reader drains', async () => {
    const TOTAL = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const blocked = signal();
    const port = await setup((_req, res) => {
      let sent = 0;
      res.writeHead(200, { 'content-length': String(TOTAL) });
      const pump = () => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            // Everything between here and the reader is full: the reader may start now.
            blocked.resolve();
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const received = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/default/fn/big' }, (res) => {
          res.pause();
          let size = 0;
          res.on('data', (c: Buffer) => (size += c.length));
          res.on('end', () => resolve(size));
          void blocked.promise.then(() => res.resume());
        })
        .on('error', reject);
    });
    expect(received).toBe(TOTAL);
    await waitFor(() => pool!.instances[0]!.inFlight === 0, 5000, 'the instance released');
  });
});

describe('readRequestHead', () => {
  it('keeps end-to-end headers as sent (case, order, repeats), drops hop-by-hop ones, those Connection names and those replaced', () => {
    const raw = ['Host', 'a.example', 'X-Trace', '1', 'Connection', 'keep-alive, X-Private', 'X-Private', 's', 'Content-Length', '3', 'Keep-Alive', 'timeout=5', 'x-trace', '2', 'X-Forwarded-For', '10.0.0.1', 'TE', 'trailers'];
    expect(readRequestHead(raw, new Set(['host', 'x-forwarded-for']))).toEqual({
      host: 'a.example',
      contentLength: '3',
      chunked: false,
      forward: ['X-Trace', '1', 'Content-Length', '3', 'x-trace', '2'],
    });
  });

  it('drops the one header a single-token Connection names, and nothing for keep-alive or close', () => {
    expect(readRequestHead(['Connection', ' X-Private ', 'X-Private', 's', 'X-Kept', 'k'], new Set()).forward).toEqual(['X-Kept', 'k']);
    expect(readRequestHead(['Connection', 'Keep-Alive', 'Keep-Alive', 'timeout=5', 'X-Kept', 'k'], new Set()).forward).toEqual(['X-Kept', 'k']);
    expect(readRequestHead(['Connection', 'close', 'X-Kept', 'k'], new Set()).forward).toEqual(['X-Kept', 'k']);
  });

  it('tells a chunked body', () => {
    expect(readRequestHead(['Transfer-Encoding', 'chunked', 'Host', 'h'], new Set())).toMatchObject({ chunked: true, contentLength: undefined, forward: ['Host', 'h'] });
  });
});
