import http from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { FunctionPool } from '../../../src/serving/pool.js';
import { testPoolOptions } from '../../helpers/test-pool.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { endToEndHeaders } from '../../../src/gateway/hop-by-hop.js';
import { waitFor } from '../../helpers/http.js';
import { InProcessRuntime } from '../../helpers/in-process-runtime.js';

/**
 * Instances that answer a plain request with the headers it arrived with (and hop-by-hop headers of
 * their own), and accept an `echo` upgrade with 101, then echo what they get in upper case, as a
 * WebSocket function would answer frames.
 */
function serveEcho(_id: string, server: http.Server): void {
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'keep-alive': 'timeout=5', 'x-hop': 'secret', connection: 'x-hop' }).end(JSON.stringify(req.headers)));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.headers.upgrade !== 'echo') {
      socket.end('HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Host: ${req.headers.host}\r\n\r\n`);
    if (head.length) socket.write(head.toString().toUpperCase());
    socket.on('data', (c: Buffer) => socket.write(c.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
}

describe('the gateway as a proxy', () => {
  let gateway: Gateway | undefined;
  let pool: FunctionPool | undefined;
  let runtime: InProcessRuntime | undefined;
  afterEach(async () => {
    await gateway?.close();
    await pool?.dispose();
    await runtime?.dispose();
  });

  async function setup(): Promise<{ port: number; events: OfnEvent[] }> {
    runtime = new InProcessRuntime(serveEcho);
    const events: OfnEvent[] = [];
    const p = new FunctionPool(
      testPoolOptions(runtime, {
        name: 'chat',
        scale: { min: 0, max: 2, target: 100, containerConcurrency: 0 },
        maxInstancesCap: 2,
        emit: (e) => events.push(e),
      }),
    );
    pool = p;
    await p.setSpec({ namespace: 'default', name: 'chat', port: 8080, env: {}, generation: 1 });
    gateway = new Gateway({ port: 0, host: '127.0.0.1', domain: 'ofn.localhost', clusterDomain: 'cluster.local', pool: () => p, list: () => ['default/chat'], emit: (e) => events.push(e) });
    return { port: await gateway.listen(), events };
  }

  /** Opens an upgraded connection through the gateway; resolves to the socket and the 101's headers. */
  function upgrade(port: number, protocol: string): Promise<{ socket: Socket; headers: http.IncomingHttpHeaders } | { status: number }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/default/chat/socket', headers: { connection: 'Upgrade', upgrade: protocol } });
      req.once('upgrade', (res: http.IncomingMessage, socket: Socket, rest: Buffer) => {
        if (rest.length) socket.unshift(rest);
        resolve({ socket, headers: res.headers });
      });
      req.once('response', (res) => (res.resume(), resolve({ status: res.statusCode ?? 0 })));
      req.once('error', reject);
      req.end();
    });
  }

  const read = (socket: Socket) => new Promise<string>((r) => socket.once('data', (c: Buffer) => r(c.toString())));

  it('passes a WebSocket-style upgrade through, waking the function, and holds the instance while the connection is open', async () => {
    const { port, events } = await setup();
    const opened = await upgrade(port, 'echo');
    if (!('socket' in opened)) throw new Error(`no upgrade: ${opened.status}`);
    expect(opened.headers['x-seen-host']).toBe('chat.default.svc.cluster.local');
    opened.socket.write('hello');
    expect(await read(opened.socket)).toBe('HELLO');
    // In flight while open: the pool does not scale it away.
    expect(pool!.instances[0]!.inFlight).toBe(1);
    opened.socket.destroy();
    await waitFor(() => pool!.instances[0]!.inFlight === 0, 5000, 'the instance released');
    expect(events.find((e) => e.type === 'request.completed')).toMatchObject({ status: 101, cold: true, path: '/default/chat/socket' });
  });

  it('closes open upgraded connections when it closes (a daemon stopping with a WebSocket open)', async () => {
    const { port } = await setup();
    const opened = await upgrade(port, 'echo');
    if (!('socket' in opened)) throw new Error(`no upgrade: ${opened.status}`);
    const closed = new Promise((r) => opened.socket.once('close', r));
    await gateway!.close();
    gateway = undefined;
    await closed;
  });

  it('returns the function answer when it does not switch protocols', async () => {
    const { port } = await setup();
    expect(await upgrade(port, 'other')).toEqual({ status: 426 });
    await waitFor(() => pool!.instances[0]!.inFlight === 0, 5000, 'the instance released');
  });

  it('drops hop-by-hop headers both ways, including those Connection names', async () => {
    const { port } = await setup();
    const answer = await new Promise<{ headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/default/chat/', method: 'POST', headers: { connection: 'keep-alive, x-private', 'x-private': 'a', 'proxy-authorization': 'b', te: 'trailers', 'x-kept': 'c' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ headers: res.headers, body }));
      });
      req.once('error', reject);
      req.end('{}');
    });
    const seen = JSON.parse(answer.body) as Record<string, string>;
    expect(seen).not.toHaveProperty('x-private');
    expect(seen).not.toHaveProperty('proxy-authorization');
    expect(seen).not.toHaveProperty('te');
    expect(seen['x-kept']).toBe('c');
    expect(answer.headers).not.toHaveProperty('x-hop');
    expect(answer.headers['keep-alive']).not.toBe('timeout=5');
  });

  it('endToEndHeaders keeps end-to-end headers only', () => {
    expect(endToEndHeaders({ connection: 'close, X-Foo', 'x-foo': '1', upgrade: 'websocket', 'transfer-encoding': 'chunked', 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] })).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
  });
});
