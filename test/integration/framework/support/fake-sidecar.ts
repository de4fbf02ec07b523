import { createServer, type IncomingMessage, type Server } from 'node:http';

import { freePort } from './framework-process.js';

export interface RecordedRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

/** Stands in for the Dapr sidecar's HTTP API and records what it receives. */
export class FakeSidecar {
  readonly requests: RecordedRequest[] = [];
  /** How many `GET /v1.0/metadata` calls fail before the sidecar counts as started. */
  metadataFailures = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        this.requests.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
        if (req.url === '/v1.0/metadata') {
          if (this.metadataFailures > 0) {
            this.metadataFailures--;
            res.writeHead(500).end();
          } else {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"fake"}');
          }
        } else if (req.url!.startsWith('/v1.0/bindings/')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"delivered":true}');
        } else if (req.url!.startsWith('/v1.0/publish/')) {
          res.writeHead(204).end();
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

