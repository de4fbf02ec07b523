import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonBus } from '../../../../src/daemon/bus.js';
import { EventsController } from '../../../../src/daemon/controllers/events.js';
import type { OfnEvent } from '../../../../src/protocol/journal.js';
import { loadProject } from '../../../../src/model/load.js';
import { imageFunction, useTempProjects } from '../../model/temp-project.js';

const tempProject = useTempProjects();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An http EventSource with two webhooks whose events go straight to the Function `a` by its cluster name. */
const EVENTS = `apiVersion: events.openfunction.io/v1alpha1
kind: EventSource
metadata: { name: shop }
spec:
  sink:
    ref: { apiVersion: core.openfunction.io/v1beta2, kind: Function, name: a }
  http:
    order: {}
    refund: { path: /hooks/refund }
`;

/** The function's local stand-in: what the sink resolves to. */
async function standIn(): Promise<{ address: string; received: { body: string }[] }> {
  const received: { body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function setup(files: Record<string, string>, addresses: ReadonlyMap<string, string> = new Map()) {
  const dir = await tempProject(files);
  const project = await loadProject([dir], { cwd: dir });
  const journal: OfnEvent[] = [];
  const bus = new DaemonBus((e) => journal.push(e));
  let asked = 0;
  const controller = new EventsController({
    bus,
    signal: new AbortController().signal,
    project: () => project,
    stateDir: dir,
    functionAddresses: async () => {
      asked++;
      return addresses;
    },
  });
  cleanups.push(() => controller.stop());
  return { controller, journal, asked: () => asked };
}

describe('events controller', () => {
  it('runs nothing for a project without events', async () => {
    const { controller, asked } = await setup({ 'functions.yaml': imageFunction('a') });
    await controller.sync();
    expect(asked()).toBe(0);
    expect(controller.status()).toBeUndefined();
    expect(controller.webhook('POST', '/_events/default/shop/order')).toBeUndefined();
    await expect(controller.emitEvent('default', 'shop', 'order', Buffer.from('{}'))).rejects.toMatchObject({ code: 'ERR_NO_EVENTS' });
  });

  it("routes a webhook by the path written, else by /_events/<ns>/<source>/<event>, and delivers to the function's stand-in", async () => {
    const fn = await standIn();
    const { controller, journal } = await setup({ 'functions.yaml': imageFunction('a'), 'events.yaml': EVENTS }, new Map([['a.default.svc.cluster.local', fn.address]]));
    await controller.sync();
    expect(controller.status()?.map((s) => [s.event, s.state])).toEqual([
      ['order', 'webhook'],
      ['refund', 'webhook'],
    ]);
    expect(controller.webhook('GET', '/_events/default/shop/order')).toBeUndefined();
    expect(controller.webhook('POST', '/_events/default/shop/refund')).toBeUndefined();
    expect(controller.webhook('POST', '/hooks/refund')).toBeDefined();
    const order = controller.webhook('POST', '/_events/default/shop/order')!;
    const id = await order(Buffer.from('{"n":1}'), 'application/json');
    expect(fn.received.map((r) => r.body)).toEqual(['{"n":1}']);
    // Every hop is journaled, the sink's under the name the manifest gives it.
    const sinkHop = journal.find((e) => e.type === 'event.hop' && e.id === id && e.stage === 'sink');
    expect(sinkHop).toMatchObject({ target: 'http://a.default.svc.cluster.local/' });
  });

  it('injects an event as if its source produced it', async () => {
    const fn = await standIn();
    const { controller } = await setup({ 'functions.yaml': imageFunction('a'), 'events.yaml': EVENTS }, new Map([['a.default.svc.cluster.local', fn.address]]));
    await controller.sync();
    await controller.emitEvent('default', 'shop', 'refund', Buffer.from('{"n":2}'), 'application/json');
    expect(fn.received.map((r) => r.body)).toEqual(['{"n":2}']);
  });
});
