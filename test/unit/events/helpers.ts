/** Shared pieces of the events runtime tests: models from specs, a local sink server, hop waiting. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';

import { loadEvents, type EventDocument, type EventsModel } from '../../../src/model/events/index.js';
import { DiagnosticList } from '../../../src/model/diagnostics.js';
import type { EventHop } from '../../../src/events/runtime/index.js';

export function eventDoc(kind: string, name: string, namespace: string, spec: Record<string, unknown>): EventDocument {
  return {
    apiVersion: 'events.openfunction.io/v1alpha1',
    kind,
    name,
    namespace,
    origin: { file: path.join(os.tmpdir(), `${name}.yaml`), doc: 0 },
    resource: { apiVersion: 'events.openfunction.io/v1alpha1', kind, metadata: { name, namespace }, spec },
  };
}

/** The model of these documents; fails the test on any error in them. */
export function modelOf(docs: EventDocument[]): EventsModel {
  const diagnostics = new DiagnosticList();
  const model = loadEvents(docs, { diagnostics });
  const errors = diagnostics.items.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`bad test model: ${errors.map((d) => d.message).join('; ')}`);
  return model;
}

export interface Received {
  path: string;
  body: string;
  contentType: string | undefined;
}

export interface SinkServer {
  url: string;
  received: Received[];
  /** Status answered to the next requests, in order; 200 once they are used up. */
  plan: number[];
  /** Delay per request (ms), by arrival index; 0 when absent. */
  delays: (i: number) => number;
  close(): Promise<void>;
}

export async function sinkServer(): Promise<SinkServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = sink.requests++;
      const status = sink.plan.shift() ?? 200;
      setTimeout(() => {
        if (status < 300) sink.received.push({ path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] });
        res.writeHead(status).end();
      }, sink.delays(index));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sink = {
    url: `http://127.0.0.1:${port}`,
    received: [] as Received[],
    plan: [] as number[],
    requests: 0,
    delays: (_i: number) => 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sink;
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-events-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `stage:status` of each hop of one event, in order. */
export function stagesOf(hops: EventHop[], id: string): string[] {
  return hops.filter((h) => h.id === id).map((h) => `${h.stage}:${h.status}`);
}
