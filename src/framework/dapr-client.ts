/**
 * The slice of the Dapr HTTP API that `ctx.send` and `ctx.state` use, sent the way
 * `@dapr/dapr` 2.5.0's HTTP DaprClient sends it (the client upstream's framework uses):
 * sidecar at `DAPR_HOST` (127.0.0.1) : `DAPR_HTTP_PORT` (3500); before the first call
 * it polls `GET /v1.0/metadata` every 500 ms (at most 60 retries) until the sidecar answers.
 * `DAPR_API_TOKEN`, when set, goes along as `dapr-api-token`, as the SDK sends it.
 *
 * Unlike the SDK, a call whose connection fails (the sidecar died or restarts) waits for the sidecar
 * again and is sent again, a few times: an output a function sent is not lost while ofn-local
 * restarts its sidecar. A connection reset after the request went out may deliver it twice
 * (at least once, as Dapr's own retries are).
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

const SDK_USER_AGENT = 'dapr-sdk-js/v2.5.0 http/1';
const SIDECAR_POLL_INTERVAL_MS = 500;
const SIDECAR_POLL_RETRIES = 60;
/** Times one call is sent again after its connection failed (each after the sidecar answered again). */
const CONNECTION_RETRIES = 3;
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ENOTCONN', 'EHOSTUNREACH', 'ETIMEDOUT']);

function isConnectionError(err: unknown): boolean {
  return CONNECTION_ERRORS.has(String((err as NodeJS.ErrnoException | undefined)?.code));
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE';
  /** Already JSON-encoded. */
  body?: string;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class DaprHttpClient {
  /** `http://host:port` without a trailing slash. */
  readonly origin: string;
  private readonly hostname: string;
  private readonly port: string;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private sidecarReady: Promise<void> | undefined;
  private readonly apiToken: string | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.apiToken = env.DAPR_API_TOKEN || undefined;
    const host = env.DAPR_HOST || '127.0.0.1';
    this.port = env.DAPR_HTTP_PORT || '3500';
    const secure = host.startsWith('https://');
    const bareHost = host.replace(/^https?:\/\//, '');
    // An IPv6 literal may come bracketed; http.request wants it without brackets.
    this.hostname = bareHost.replace(/^\[(.*)\]$/, '$1');
    this.origin = `${secure ? 'https' : 'http'}://${bareHost}:${this.port}`;
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, keepAliveMsecs: 30_000 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** POST /v1.0/bindings/<name> with `{operation, data, metadata}`; resolves to the parsed response. */
  invokeBinding(name: string, operation: string, data: unknown, metadata: object = {}): Promise<unknown> {
    return this.call(`/v1.0/bindings/${name}`, {
      method: 'POST',
      body: JSON.stringify({ operation, data, metadata }),
    });
  }

  /** POST /v1.0/publish/<pubsub>/<topic>; like the SDK, resolves `false` instead of rejecting. */
  async publish(pubsubName: string, topic: string, data: unknown = {}): Promise<boolean> {
    try {
      await this.call(`/v1.0/publish/${pubsubName}/${topic}?`, { method: 'POST', body: JSON.stringify(data) });
      return true;
    } catch (err) {
      console.error(`ofn-framework: publish to ${pubsubName}/${topic} failed: ${(err as Error).message}`);
      return false;
    }
  }

  async saveState(store: string, items: unknown): Promise<void> {
    await this.call(`/v1.0/state/${store}`, { method: 'POST', body: JSON.stringify(items) });
  }

  getState(store: string, key: string): Promise<unknown> {
    return this.call(`/v1.0/state/${store}/${key}`, { method: 'GET' });
  }

  getBulkState(store: string, keys: unknown, parallelism = 10, metadata = ''): Promise<unknown> {
    return this.call(`/v1.0/state/${store}/bulk${metadata ? `?${metadata}` : ''}`, {
      method: 'POST',
      body: JSON.stringify({ keys, parallelism }),
    });
  }

  async deleteState(store: string, key: string): Promise<void> {
    await this.call(`/v1.0/state/${store}/${key}`, { method: 'DELETE' });
  }

  async stateTransaction(store: string, operations: unknown = [], metadata: unknown = null): Promise<void> {
    await this.call(`/v1.0/state/${store}/transaction`, {
      method: 'POST',
      body: JSON.stringify({ operations, metadata }),
    });
  }

  queryState(store: string, query: object): Promise<unknown> {
    return this.call(`/v1.0-alpha1/state/${store}/query`, { method: 'POST', body: JSON.stringify({ ...query }) });
  }

  private async call(path: string, spec: RequestSpec): Promise<unknown> {
    await this.waitForSidecar();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(path, spec);
      } catch (err) {
        if (!isConnectionError(err) || attempt >= CONNECTION_RETRIES) throw err;
        console.error(`ofn-framework: the Dapr sidecar at ${this.origin} did not answer ${spec.method} ${path} (${(err as NodeJS.ErrnoException).code}); waiting for it to send again`);
        this.sidecarReady = undefined;
        await this.waitForSidecar();
      }
    }
  }

  /** Shared by concurrent first calls; forgotten on failure so a later call waits again. */
  /** Resolves once the sidecar answers `GET /v1.0/metadata` (polled as the SDK does). */
  waitForSidecar(): Promise<void> {
    this.sidecarReady ??= this.pollSidecar().catch((err: unknown) => {
      this.sidecarReady = undefined;
      throw err;
    });
    return this.sidecarReady;
  }

  private async pollSidecar(): Promise<void> {
    if (await this.isSidecarStarted()) return;
    console.log(`ofn-framework: waiting for the Dapr sidecar at ${this.origin}`);
    for (let retry = 0; retry < SIDECAR_POLL_RETRIES; retry++) {
      await sleep(SIDECAR_POLL_INTERVAL_MS);
      if (await this.isSidecarStarted()) return;
    }
    throw new Error('DAPR_SIDECAR_COULD_NOT_BE_STARTED');
  }

  private async isSidecarStarted(): Promise<boolean> {
    try {
      return Boolean(await this.request('/v1.0/metadata', { method: 'GET' }));
    } catch {
      return false;
    }
  }

  /** One HTTP exchange; 200-399 resolves to the body (parsed as JSON when it is JSON), others reject. */
  private request(path: string, spec: RequestSpec): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { 'user-agent': SDK_USER_AGENT };
      if (this.apiToken) headers['dapr-api-token'] = this.apiToken;
      if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(spec.body);
      }
      // Host and path given separately: a URL string would lose the SDK's empty `?`.
      const req = this.transport.request(
        { hostname: this.hostname, port: this.port, path, method: spec.method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 399) {
              resolve(parseBody(text));
              return;
            }
            reject(
              new Error(
                JSON.stringify({
                  error: 'UNKNOWN',
                  error_msg: `${spec.method} ${path} answered status ${status} with response ${text}`,
                  status,
                }),
              ),
            );
          });
        },
      );
      req.on('error', reject);
      req.end(spec.body);
    });
  }
}
