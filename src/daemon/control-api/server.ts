import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonApi } from '../../protocol/api.js';
import type { JournalQuery } from '../../protocol/journal.js';

/**
 * The daemon's control API, on loopback only, every call carrying the token from daemon.json.
 * The CLI, the attached TUI and an attached test API talk to a running daemon only through this.
 * It serves the protocol's `DaemonApi` (the daemon in this process is one; `DaemonClient` offers it
 * on the other side), and nothing else of the daemon.
 */
export class ControlServer {
  readonly token: string;
  readonly #server: http.Server;
  readonly #onShutdown: () => void;
  #remote = false;

  /** `token`: given by whoever started the daemon in a container (else a random one). */
  constructor(daemon: DaemonApi, onShutdown: () => void, token?: string) {
    this.token = token || randomBytes(24).toString('hex');
    this.#onShutdown = onShutdown;
    const app = express();
    app.disable('x-powered-by');
    app.use((req, res, next) => this.#guard(req, res, next));
    app.get('/v1/status', async (_req, res) => {
      res.json(await daemon.status());
    });
    app.get('/v1/journal', (req, res) => void streamJournal(daemon, req, res).catch(() => res.end()));
    app.post('/v1/functions/:namespace/:name/scale-to-zero', async (req, res) => {
      const reason = typeof req.query.reason === 'string' && req.query.reason ? req.query.reason : 'requested through the control API';
      try {
        await daemon.scaleToZero(String(req.params.namespace), String(req.params.name), reason);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ERR_NO_FUNCTION') throw err;
        res.status(404).json({ error: `no function ${req.params.namespace}/${req.params.name}` });
        return;
      }
      res.json({ ok: true });
    });
    app.post('/v1/functions/:namespace/:name/rebuild', async (req, res) => {
      const ns = String(req.params.namespace);
      const name = String(req.params.name);
      if (!(await daemon.status()).functions.some((f) => f.namespace === ns && f.name === name)) {
        res.status(404).json({ error: `no function ${ns}/${name}` });
        return;
      }
      // Answers at once; the outcome (reload.finished / reload.failed) is in the journal.
      void daemon.rebuild(ns, name);
      res.status(202).json({ ok: true });
    });
    app.post('/v1/publish/:namespace/:pubsub/:topic', express.raw({ type: '*/*', limit: '16mb' }), async (req, res) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const out = await daemon.publish(String(req.params.namespace), String(req.params.pubsub), String(req.params.topic), body, String(req.headers['content-type'] ?? 'application/json'));
        res.status(out.status < 300 ? 200 : 502).json(out);
      } catch (err) {
        res.status(404).json({ error: err instanceof Error ? err.message : String(err), hint: (err as { hint?: string }).hint });
      }
    });
    // An event for an async function's input binding (`ofn-local invoke` of an async function).
    app.post('/v1/functions/:namespace/:name/input', express.raw({ type: () => true, limit: '16mb' }), async (req, res) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const binding = typeof req.query.binding === 'string' && req.query.binding ? req.query.binding : undefined;
        res.json(await daemon.invokeInput(String(req.params.namespace), String(req.params.name), binding, body, req.get('content-type') ?? 'application/json'));
      } catch (err) {
        const e = err as { message?: string; hint?: string; code?: string };
        res.status(e.code === 'ERR_NO_FUNCTION' || e.code === 'ERR_NO_INPUT_BINDING' ? 404 : 500).json({ error: e.message ?? String(err), hint: e.hint });
      }
    });
    // `ofn-local events publish`: an event as if its EventSource produced it.
    app.post('/v1/events/:namespace/:eventSource/:event', express.raw({ type: () => true, limit: '16mb' }), async (req, res) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const id = await daemon.emitEvent(String(req.params.namespace), String(req.params.eventSource), String(req.params.event), body, req.get('content-type') ?? undefined);
        res.json({ id });
      } catch (err) {
        const e = err as { message?: string; hint?: string; code?: string; status?: unknown };
        // A malformed event is the sender's fault (400), as on the webhook.
        const status = typeof e.status === 'number' ? e.status : String(e.code).startsWith('ERR_EVENTS_UNKNOWN') || e.code === 'ERR_NO_EVENTS' ? 404 : 500;
        res.status(status).json({ error: e.message ?? String(err), hint: e.hint });
      }
    });
    app.post('/v1/shutdown', (_req, res) => {
      res.json({ ok: true });
      setImmediate(this.#onShutdown);
    });
    this.#server = http.createServer(app);
  }

  /** Loopback and a free port unless told otherwise (a daemon in a container listens on 0.0.0.0). */
  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    this.#remote = !['127.0.0.1', '::1', 'localhost'].includes(host);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve());
    });
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #guard(req: Request, res: Response, next: NextFunction): void {
    const remote = req.socket.remoteAddress ?? '';
    // Other hosts only when told to listen beyond loopback (the daemon in a container); the token always.
    const loopback = this.#remote || remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
    const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const want = Buffer.from(this.token);
    if (!loopback || given.length !== want.length || !timingSafeEqual(given, want)) {
      res.status(401).json({ error: 'missing or wrong token (see .ofn-local/daemon.json)' });
      return;
    }
    next();
  }
}

/**
 * NDJSON of journal entries: `after` (seq) to replay from, `fn` to keep one function's, `types`
 * (comma-separated) to keep some kinds, `follow=1` to keep the response open for new ones.
 */
async function streamJournal(daemon: DaemonApi, req: Request, res: Response): Promise<void> {
  const query: JournalQuery = {
    after: Number(req.query.after ?? 0),
    fn: req.query.fn ? String(req.query.fn) : undefined,
    types: req.query.types ? String(req.query.types).split(',') : undefined,
    follow: req.query.follow === '1' || req.query.follow === 'true',
  };
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  try {
    for await (const e of daemon.journal.read(query, gone.signal)) res.write(JSON.stringify(e) + '\n');
  } finally {
    res.end();
  }
}
