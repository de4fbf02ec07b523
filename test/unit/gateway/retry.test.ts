import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { OfnEvent } from '../../../src/protocol/journal.js';
import { FunctionPool } from '../../../src/serving/pool.js';
import { testPoolOptions } from '../../helpers/test-pool.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import { request } from '../../helpers/http.js';
import { InProcessRuntime } from '../../helpers/in-process-runtime.js';

/**
 * In-process instances, so the gateway's handling of an instance that dies under it can be driven
 * exactly: `kill` closes a server while the pool still counts it as live (as in the moment after a
 * container dies and before liveness notices), and an instance in `dying` dies while answering.
 */
class ServerRuntime extends InProcessRuntime {
  /** Bodies answered, as `<instance>:<body>`. */
  readonly bodies: string[] = [];
  /** Every body an instance received, answered or not. */
  readonly received: string[] = [];
  /** Instances that die while answering: the request's connection is reset and the server goes. */
  readonly dying = new Set<string>();
  /**
   * Bodies whose connection the (live) instance closes once, having read the request: with no answer
   * (`drop`), after the first bytes of a status line (`partial-head`), or after the headers and part
   * of the body (`partial-body`).
   */
  readonly closeOnce = new Map<string, 'drop' | 'partial-head' | 'partial-body'>();

  override serve(id: string, server: http.Server): void {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push(body);
        const close = this.closeOnce.get(body);
        if (close) {
          this.closeOnce.delete(body);
          if (close === 'drop') req.socket.destroy();
          else req.socket.end(close === 'partial-head' ? 'HTTP/1.1 2' : 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
          return;
        }
        if (this.dying.has(id)) {
          // Killed mid-request: no answer, the connection reset, nothing listens any more.
          this.servers.delete(id);
          req.socket.destroy();
          server.close();
          return;
        }
        this.bodies.push(`${id}:${body}`);
        res.end(id);
      });
    });
  }
}

describe('the gateway and an instance that died under it', () => {
  let gateway: Gateway | undefined;
  let pool: FunctionPool | undefined;
  let runtime: ServerRuntime | undefined;

  afterEach(async () => {
    await gateway?.close();
    await pool?.dispose();
    await runtime?.dispose();
  });

  async function setup(min: number): Promise<{ url: string; events: OfnEvent[] }> {
    runtime = new ServerRuntime();
    const events: OfnEvent[] = [];
    const p = new FunctionPool(
      testPoolOptions(runtime, {
        scale: { min, max: 4, target: 100, containerConcurrency: 0 },
        maxInstancesCap: 4,
        emit: (e) => events.push(e),
      }),
    );
    pool = p;
    await p.setSpec({ namespace: 'default', name: 'fn', port: 8080, env: {}, generation: 1 });
    await p.ensureMin();
    gateway = new Gateway({ port: 0, host: '127.0.0.1', domain: 'ofn.localhost', clusterDomain: 'cluster.local', pool: () => p, list: () => ['default/fn'], emit: (e) => events.push(e) });
    const port = await gateway.listen();
    return { url: `http://127.0.0.1:${port}/default/fn`, events };
  }

  it('sends a refused request (body and all) to another instance instead of answering 502', async () => {
    const { url, events } = await setup(2);
    const [first, second] = pool!.instances.map((s) => s.instance.id);
    await runtime!.kill(first!);
    // Both instances still count as live: some of these go to the dead one first.
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => request(url, { method: 'POST', body: `order-${i}` })));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(replies.map((r) => r.body)).toEqual(Array(8).fill(second));
    expect(runtime!.bodies.filter((b) => b.startsWith(`${second}:order-`)).length).toBe(8);
    expect(events.some((e) => e.type === 'instance.failed' && e.instance === first)).toBe(true);
  });

  it('answers 502 to a request its instance died under, having taken that instance out, so the next request finds a live one', async () => {
    const { url, events } = await setup(1);
    const [only] = pool!.instances.map((s) => s.instance.id);
    runtime!.dying.add(only!);
    const lost = await request(url, { method: 'POST', body: 'in flight' });
    expect(lost.status).toBe(502);
    // Taken out before the 502 went back: the next request does not meet the dead instance.
    expect(pool!.instances.map((s) => s.instance.id)).not.toContain(only);
    expect(events.some((e) => e.type === 'instance.failed' && e.instance === only)).toBe(true);
    const next = await request(url, { method: 'POST', body: 'next' });
    expect(next.status).toBe(200);
    expect(next.body).not.toBe(only);
  });

  it('starts a fresh instance when the only one died, and the request still gets its answer', async () => {
    const { url } = await setup(1);
    const [only] = pool!.instances.map((s) => s.instance.id);
    await runtime!.kill(only!);
    const reply = await request(url, { method: 'POST', body: 'late' });
    expect(reply.status).toBe(200);
    expect(reply.body).not.toBe(only);
    expect(runtime!.bodies).toContain(`${reply.body}:late`);
  });

  // The rule: a request is sent again only if the instance cannot have seen it. Each case below
  // would answer 200 had the gateway sent it again (the instance closes the connection only once).
  it('does not send a request again that was cut off on a fresh connection (the instance had it)', async () => {
    const { url } = await setup(1);
    runtime!.closeOnce.set('pay-1', 'drop');
    const reply = await request(url, { method: 'POST', body: 'pay-1' });
    expect(reply.status).toBe(502);
    expect(runtime!.received.filter((b) => b === 'pay-1')).toHaveLength(1);
  });

  it('does not send a request again once a byte of its answer came, even on a kept-alive connection', async () => {
    const { url } = await setup(1);
    expect((await request(url, { method: 'POST', body: 'warm' })).status).toBe(200);
    runtime!.closeOnce.set('pay-2', 'partial-head');
    const reply = await request(url, { method: 'POST', body: 'pay-2' });
    expect(reply.status).toBe(502);
    expect(runtime!.received.filter((b) => b === 'pay-2')).toHaveLength(1);
  });

  it('does not send a request again whose answer broke off mid-body: the client sees the break', async () => {
    const { url } = await setup(1);
    expect((await request(url, { method: 'POST', body: 'warm' })).status).toBe(200);
    runtime!.closeOnce.set('pay-3', 'partial-body');
    await expect(request(url, { method: 'POST', body: 'pay-3' })).rejects.toThrow();
    expect(runtime!.received.filter((b) => b === 'pay-3')).toHaveLength(1);
  });

  it('sends a request again that a kept-alive connection dropped before any byte of an answer', async () => {
    const { url } = await setup(1);
    const [only] = pool!.instances.map((s) => s.instance.id);
    expect((await request(url, { method: 'POST', body: 'warm' })).status).toBe(200);
    runtime!.closeOnce.set('order-1', 'drop');
    const reply = await request(url, { method: 'POST', body: 'order-1' });
    expect(reply.status).toBe(200);
    // Sent twice: dropped unanswered on the kept-alive connection, then answered on a fresh one.
    expect(runtime!.received.filter((b) => b === 'order-1')).toHaveLength(2);
    expect(runtime!.bodies).toEqual([`${only}:warm`, `${only}:order-1`]);
  });
});
