/**
 * `OfnProject`: a project of OpenFunction manifests started for a test, in this process (the daemon
 * as a library) or attached to one already running (`ofn-local up --detach`). Everything a test
 * needs: URLs, invoke, publish, what functions sent to outputs, logs, and a stop that always cleans up.
 */
import { gatewayFetch } from '../shared/gateway-fetch.js';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Daemon } from '../daemon/daemon.js';
import { DaemonClient } from '../daemon/client.js';
import { daemonFile, pidAlive, readDaemonInfo } from '../daemon/daemon-file.js';
import type { DaemonApi } from '../protocol/api.js';
import type { JournalEntry } from '../protocol/journal.js';
import { applyEvents, initialState, type OutputSent, type ProjectState } from '../protocol/project-state.js';
import type { DaemonStatus, DaprMode, FunctionStatus } from '../protocol/status.js';
import { errorMessage } from '../errors.js';
import { projectId, projectRoot } from '../daemon/state.js';
import { registerInRun } from '../shared/run-registry.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { OfnTestingError } from './errors.js';
import { describeFilter, describeOutput, matches, toOutput, type Output, type OutputFilter } from './outputs.js';

export interface StartOptions {
  /** Where instances run; default docker when an engine answers, else host processes. */
  runtime?: RuntimeKind;
  /** ofn-local's own Dapr sidecar (default), or the real daprd (then outputs()/waitFor() see nothing: daprd has no capture). */
  dapr?: DaprMode;
  daprdVersion?: string;
  /** How long builds and minReplicas may take before start() fails with what was pending (default 180 s). */
  readyTimeoutMs?: number;
  /** Gateway port; default 0 (a free one, so parallel projects never collide). */
  port?: number;
  /** Seconds of idleness before scale to zero (default 300: nothing scales away during a test). */
  idleTimeoutMs?: number;
  /** How long a request waits for a cold instance (default 60 s). */
  requestTimeoutMs?: number;
  /** How an instance sits at zero: `stop` (default) or `pause`. */
  zeroMode?: 'stop' | 'pause';
  /** Base of function images (default node:20-bookworm-slim, else the offline base). */
  baseImage?: string;
  /** Reload on file changes, as `up` does (default false: a test run sees the files as they were). */
  watch?: boolean;
  /** Seconds without backlog before an async function with KEDA triggers scales to zero (overrides cooldownPeriod). */
  cooldownSeconds?: number;
  /** How long a Trigger input stays true after its last event (default 60 s, as upstream). */
  eventInputWindowMs?: number;
  /** Resolves relative paths (default process.cwd()). */
  cwd?: string;
}

export interface InvokeOptions {
  method?: string;
  /** Path after the function's URL, e.g. `/orders/1`. */
  path?: string;
  headers?: Record<string, string>;
  namespace?: string;
  signal?: AbortSignal;
  /** Async functions: the input binding the event comes through (when there are several). */
  input?: string;
}

export interface InvokeResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = unknown>(): T;
}

export interface WaitOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** Resolve once this many outputs match (default 1); waitFor then resolves to the first of them. */
  count?: number;
}

/** Log lines kept per function, outputs kept (oldest dropped). */
const LIMITS = { logsPerFunction: 2000, outputs: 10_000 };
/** Journal entries other than log lines kept for journal() (oldest dropped). */
const JOURNAL_ENTRIES = 10_000;

/**
 * The project's state, from the journal through the protocol's reducer. Entries are applied when
 * something is read, a batch at a time: a flood of log lines costs one copy per read, not one per line.
 */
class ProjectFeed {
  #state = initialState(LIMITS);
  #queue: JournalEntry[] = [];
  /** Journal entries other than log lines (bounded). */
  readonly entries: JournalEntry[] = [];

  take(e: JournalEntry): void {
    this.#queue.push(e);
    if (e.type === 'instance.log' || e.type === 'build.log') return;
    this.entries.push(e);
    if (this.entries.length > JOURNAL_ENTRIES) this.entries.shift();
  }

  get state(): ProjectState {
    if (this.#queue.length > 0) {
      this.#state = applyEvents(this.#state, this.#queue);
      this.#queue = [];
    }
    return this.#state;
  }
}

export class OfnProject {
  readonly #api: DaemonApi;
  /** Stops the daemon started here, or detaches from one running elsewhere. */
  readonly #close: () => Promise<void>;
  /** A gateway address to report instead of the daemon's own (a port mapped out of a container). */
  readonly #gatewayUrl: string | undefined;
  readonly #feed: ProjectFeed;
  /** The Output of each output.sent entry, made once. */
  readonly #outputs = new WeakMap<OutputSent, Output>();
  readonly #waiters = new Set<(stopped?: boolean) => void>();
  #mark = 0;
  #closed: Promise<void> | undefined;
  #status: DaemonStatus;

  private constructor(api: DaemonApi, feed: ProjectFeed, status: DaemonStatus, close: () => Promise<void>, gatewayUrl?: string) {
    this.#api = api;
    this.#feed = feed;
    this.#close = close;
    this.#gatewayUrl = gatewayUrl;
    this.#status = remapGateway(status, gatewayUrl);
  }

  /**
   * Starts the project in `input` (a folder, or manifest files) in this process and resolves once
   * every function is built and its minReplicas serve. Throws OfnTestingError ERR_NOT_READY naming
   * the function and its build or start error (everything started is stopped first).
   */
  static async start(input: string | string[], opts: StartOptions = {}): Promise<OfnProject> {
    const inputs = Array.isArray(input) ? input : [input];
    const cwd = opts.cwd ?? process.cwd();
    const feed = new ProjectFeed();
    let project: OfnProject | undefined;
    const session = `t${randomBytes(3).toString('hex')}`;
    const timeout = opts.readyTimeoutMs ?? 180_000;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`not ready within ${timeout} ms`)), timeout);
    const root = projectRoot(inputs, cwd);
    const sessionDir = path.join(root, '.ofn-local', 'sessions', session);
    // A test that times out (or a worker that is killed) before stop(): the run's sweep finds it.
    const unregister = registerInRun({ projectId: `${projectId(root)}-${session}`, root, stateDir: sessionDir });
    let daemon: Daemon;
    try {
      daemon = await Daemon.start({
        inputs,
        cwd,
        port: opts.port ?? 0,
        idleTimeoutMs: opts.idleTimeoutMs ?? 300_000,
        readyTimeoutMs: opts.requestTimeoutMs ?? 60_000,
        runtime: opts.runtime,
        zeroMode: opts.zeroMode ?? 'stop',
        baseImage: opts.baseImage,
        watch: opts.watch ?? false,
        cooldownSeconds: opts.cooldownSeconds,
        eventInputWindowMs: opts.eventInputWindowMs,
        dapr: opts.dapr,
        daprdVersion: opts.daprdVersion,
        session,
        signal: abort.signal,
        onEvent: (e) => {
          feed.take(e);
          if (e.type === 'output.sent' && project) project.#outputSent();
        },
      });
    } catch (err) {
      await rm(sessionDir, { recursive: true, force: true }).catch(() => undefined);
      unregister();
      if (abort.signal.aborted) throw new OfnTestingError('ERR_NOT_READY', `the project did not get ready within ${timeout} ms; ${pending(feed.state)}`, {}, 'raise readyTimeoutMs, or look at the build output above');
      throw new OfnTestingError('ERR_NOT_READY', `the project did not start: ${errorMessage(err)}`, {}, undefined, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    const close = async () => {
      await daemon.stop();
      await rm(daemon.stateDir, { recursive: true, force: true });
      unregister();
    };
    project = new OfnProject(daemon, feed, daemon.status(), close);
    const failures = feed.state.failures;
    if (failures.length > 0) {
      const tails = project.#logTails();
      await project.stop();
      throw new OfnTestingError('ERR_NOT_READY', `the project did not start:\n${failures.map((f) => `  ${f}`).join('\n')}${tails}`);
    }
    return project;
  }

  /**
   * Attaches to the daemon `ofn-local up --detach` runs for `projectDir`. stop() then only detaches;
   * the daemon keeps running (`ofn-local down` stops it).
   */
  static async connect(projectDir: string, opts: { cwd?: string } = {}): Promise<OfnProject> {
    const root = path.resolve(opts.cwd ?? process.cwd(), projectDir);
    const info = await readDaemonInfo(daemonFile(root));
    if (!info || !pidAlive(info.pid)) {
      throw new OfnTestingError('ERR_NOT_READY', `no ofn-local daemon runs for ${root}`, {}, `start one with: ofn-local up --detach ${projectDir}`);
    }
    return OfnProject.attach(info);
  }

  /**
   * Attaches to a daemon by its control API (what connect() and the Testcontainers module use).
   * `gatewayUrl` replaces the gateway address the daemon reports (a port mapped out of a container).
   */
  static async attach(target: { controlUrl: string; token: string; root?: string; gatewayUrl?: string }): Promise<OfnProject> {
    const client = new DaemonClient({ pid: 0, projectId: '', root: target.root ?? target.controlUrl, controlUrl: target.controlUrl, token: target.token, gatewayUrl: target.gatewayUrl ?? '', startedAt: '' });
    const stream = new AbortController();
    let following: Promise<void> = Promise.resolve();
    const close = async () => {
      stream.abort();
      await following.catch(() => undefined);
    };
    const feed = new ProjectFeed();
    const project = new OfnProject(client, feed, await client.status(), close, target.gatewayUrl);
    // From the journal's end on: outputs and logs of this test run only (backing services from the start).
    const after = await lastSeq(client, (e) => feed.take(e));
    following = (async () => {
      for await (const e of client.journal.read({ after, follow: true }, stream.signal)) {
        feed.take(e);
        if (e.type === 'output.sent') project.#outputSent();
      }
    })();
    following.catch(() => undefined);
    return project;
  }

  /** The gateway's base URL. */
  get gateway(): string {
    return this.#status.gateway;
  }

  /** The functions as the daemon reports them (name, namespace, runtime, state, replicas, url…). */
  async status(): Promise<DaemonStatus> {
    this.#status = remapGateway(await this.#api.status(), this.#gatewayUrl);
    return this.#status;
  }

  /** A sync function's URL on the gateway (the path-based one). */
  url(fn: string, namespace?: string): string {
    const f = this.#function(fn, namespace);
    if (!f.url) throw new OfnTestingError('ERR_TESTING', `${f.namespace}/${f.name} is an async function: it has no URL (as on a cluster)`, {}, 'publish to one of its inputs instead');
    return f.url;
  }

  /**
   * Calls a sync function through the gateway; an async one gets `body` as an event of its input
   * binding (as daprd delivers it). `body` objects are sent as JSON.
   */
  async invoke(fn: string, body?: unknown, opts: InvokeOptions = {}): Promise<InvokeResult> {
    this.#assertOpen();
    const f = this.#function(fn, opts.namespace);
    const headers: Record<string, string> = { ...opts.headers };
    let payload: string | Buffer | undefined;
    if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
      else {
        payload = JSON.stringify(body);
        headers['content-type'] ??= 'application/json';
      }
    }
    if (f.runtime === 'async') {
      const answer = await this.#api.invokeInput(f.namespace, f.name, opts.input, Buffer.from(payload ?? '{}'), headers['content-type'] ?? 'application/json');
      return { status: answer.status, headers: {}, body: answer.body, json: <T>() => JSON.parse(answer.body) as T };
    }
    const base = this.url(fn, opts.namespace);
    const url = base.replace(/\/$/, '') + (opts.path ? `/${opts.path.replace(/^\//, '')}` : '/');
    const res = await gatewayFetch(url, { method: opts.method ?? (payload === undefined ? 'GET' : 'POST'), headers, body: payload, signal: opts.signal });
    const text = await res.text();
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: text,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  /** Publishes to a topic through the sidecar of a running function that has `pubsub` (objects as JSON). */
  async publish(pubsub: string, topic: string, data: unknown, opts: { namespace?: string; contentType?: string } = {}): Promise<void> {
    this.#assertOpen();
    const isBytes = typeof data === 'string' || Buffer.isBuffer(data);
    const body = Buffer.isBuffer(data) ? data : Buffer.from(isBytes ? (data as string) : JSON.stringify(data));
    const contentType = opts.contentType ?? (isBytes ? 'text/plain' : 'application/json');
    const res = await this.#api.publish(opts.namespace ?? 'default', pubsub, topic, body, contentType);
    if (res.status >= 300) throw new OfnTestingError('ERR_TESTING', `publishing to ${pubsub}/${topic} through ${res.via} failed with ${res.status}: ${res.body}`);
  }

  /**
   * An event as if `eventSource` produced it (OpenFunction Events): it goes to the source's sink
   * and bus, through the triggers, as a real one would. Resolves to its id once on its way; its
   * hops are in journal('event.hop').
   */
  async emit(eventSource: string, event: string, data: unknown, opts: { namespace?: string; contentType?: string } = {}): Promise<string> {
    this.#assertOpen();
    const isBytes = typeof data === 'string' || Buffer.isBuffer(data);
    const body = Buffer.isBuffer(data) ? data : Buffer.from(isBytes ? (data as string) : JSON.stringify(data));
    return this.#api.emitEvent(opts.namespace ?? 'default', eventSource, event, body, opts.contentType ?? (isBytes ? 'text/plain' : 'application/json'));
  }

  /** Outputs sent since the start (or since clearOutputs()), oldest first. */
  outputs(filter: OutputFilter = {}): Output[] {
    return this.#feed.state.outputs.filter((e) => e.seq > this.#mark).map((e) => this.#output(e)).filter((o) => matches(o, filter));
  }

  /** Forget the outputs so far: outputs() and waitFor() see only later ones (e.g. in beforeEach). */
  clearOutputs(): void {
    this.#mark = this.#feed.state.outputs.at(-1)?.seq ?? this.#mark;
  }

  /**
   * Resolves with the first output matching `filter` (one already sent counts), once `count` of
   * them arrived. On timeout it rejects with ERR_WAIT_TIMEOUT listing every output that did arrive.
   */
  waitFor(filter: OutputFilter = {}, opts: WaitOptions = {}): Promise<Output> {
    this.#assertOpen();
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const count = opts.count ?? 1;
    return new Promise<Output>((resolve, reject) => {
      const check = () => {
        const found = this.outputs(filter);
        if (found.length < count) return false;
        done();
        resolve(found[0]!);
        return true;
      };
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(onOutput);
      };
      const onOutput = (stopped?: boolean) => {
        if (!stopped) return void check();
        done();
        reject(new OfnTestingError('ERR_TESTING', `waitFor(${describeFilter(filter)}): the project was stopped`));
      };
      const timer = setTimeout(() => {
        done();
        const arrived = this.outputs();
        const got = this.outputs(filter).length;
        const list = arrived.length === 0 ? 'no output arrived at all' : `what arrived (${arrived.length}):\n${arrived.map((o) => `  ${describeOutput(o)}`).join('\n')}`;
        reject(new OfnTestingError('ERR_WAIT_TIMEOUT', `waitFor(${describeFilter(filter)}): ${got} of ${count} within ${timeoutMs} ms; ${list}`));
      }, timeoutMs);
      if (check()) return;
      this.#waiters.add(onOutput);
    });
  }

  /**
   * Where this process reaches a backing service of `ofn-local.yaml` (`host:port`), e.g. to produce
   * to its Kafka from the test. Functions keep using the names in their manifests.
   */
  serviceAddress(name: string): string {
    const services = this.#feed.state.services;
    const address = services[name];
    if (!address) throw new OfnTestingError('ERR_TESTING', `no backing service ${name} was started (started: ${Object.keys(services).join(', ') || 'none'})`, {}, 'declare it in ofn-local.yaml');
    return address;
  }

  /**
   * What happened, as the daemon journals it (builds, instances starting and stopping, scaling,
   * requests, outputs…; log lines are in logs()), oldest first, optionally of some types only.
   */
  journal<T extends JournalEntry['type']>(...types: T[]): Extract<JournalEntry, { type: T }>[] {
    return this.#feed.entries.filter((e) => types.length === 0 || (types as string[]).includes(e.type)) as Extract<JournalEntry, { type: T }>[];
  }

  /** What a function's instances printed (not its sidecar's unless asked), oldest first. */
  logs(fn: string, opts: { namespace?: string; sidecar?: boolean } = {}): string[] {
    const f = this.#function(fn, opts.namespace);
    return outputLines(this.#feed.state, `${f.namespace}/${f.name}`, opts.sidecar);
  }

  /** Stops everything it started (or detaches from a running daemon). Safe to call more than once. */
  stop(): Promise<void> {
    if (!this.#closed) for (const w of [...this.#waiters]) w(true);
    this.#closed ??= this.#close();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** An output arrived: waitFor() looks again. */
  #outputSent(): void {
    for (const w of [...this.#waiters]) w();
  }

  #output(e: OutputSent): Output {
    let o = this.#outputs.get(e);
    if (!o) this.#outputs.set(e, (o = toOutput(e)));
    return o;
  }

  #function(fn: string, namespace?: string): FunctionStatus {
    const [ns, name] = fn.includes('/') ? fn.split('/', 2) : [namespace, fn];
    const found = this.#status.functions.filter((f) => f.name === name && (ns === undefined || f.namespace === ns));
    if (found.length === 1) return found[0]!;
    const known = this.#status.functions.map((f) => `${f.namespace}/${f.name}`).join(', ') || 'none';
    if (found.length > 1) throw new OfnTestingError('ERR_TESTING', `${fn} is in several namespaces (${found.map((f) => f.namespace).join(', ')})`, {}, 'pass namespace, or write <namespace>/<name>');
    throw new OfnTestingError('ERR_TESTING', `no function ${fn} in this project (functions: ${known})`);
  }

  #assertOpen(): void {
    if (this.#closed) throw new OfnTestingError('ERR_TESTING', 'this project was stopped');
  }

  #logTails(lines = 15): string {
    const state = this.#feed.state;
    return state.order
      .map((fn) => [fn, outputLines(state, fn, true)] as const)
      .filter(([, l]) => l.length > 0)
      .map(([fn, l]) => `\n--- last output of ${fn} ---\n${l.slice(-lines).map((x) => `  ${x}`).join('\n')}`)
      .join('');
  }
}

/** The output of a function: what its build and instances printed, and their failures (not its sidecar's unless asked). */
function outputLines(state: ProjectState, fn: string, sidecar = false): string[] {
  return (state.functions[fn]?.logs ?? [])
    .filter((l) => l.source === 'build' || (l.source === 'instance' && (sidecar || l.kind !== 'instance.log' || !l.instance?.endsWith('/daprd'))))
    .map((l) => l.text);
}

/** What was still under way when the ready timeout passed. */
function pending(state: ProjectState): string {
  const rows = state.order.flatMap((key) => {
    const fn = state.functions[key]!;
    if (!fn.change || fn.change.what !== 'build' || fn.instances > 0) return [];
    const doing = fn.change.phase === 'running' ? 'building' : fn.change.phase === 'done' ? 'starting' : `build failed: ${fn.change.message}`;
    const last = fn.logs.findLast((l) => l.kind === 'build.log' || l.kind === 'instance.log');
    return [`${key} still ${doing}${last ? ` (last line: ${last.text})` : ''}`];
  });
  return rows.length ? rows.join('; ') : 'no function had started building';
}

function remapGateway(status: DaemonStatus, gatewayUrl: string | undefined): DaemonStatus {
  if (!gatewayUrl) return status;
  const from = status.gateway;
  const to = gatewayUrl.replace(/\/$/, '');
  const swap = (url: string) => (url.startsWith(from) ? to + url.slice(from.length) : url);
  return { ...status, gateway: to, functions: status.functions.map((f) => ({ ...f, url: f.url && swap(f.url) })) };
}

/** The journal's last sequence number; `services` sees the backing services started so far. */
async function lastSeq(client: DaemonApi, services: (e: JournalEntry) => void): Promise<number> {
  let last = 0;
  for await (const e of client.journal.read({})) {
    last = e.seq;
    if (e.type === 'service.started') services(e);
  }
  return last;
}
