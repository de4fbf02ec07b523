import type { EventOf, FunctionState, JournalEntry } from './journal.js';
import type { DaemonStatus } from './status.js';

/**
 * What is known about a project, built only from journal entries (and status snapshots) by pure
 * functions: the one reducer the terminal UI, the test API, `logs` and the daemon's `failures()`
 * read. History is bounded (see LIMITS), so memory stays flat however many events flow;
 * per-function figures (requests/s, p50) are computed from the bounded samples by the selectors
 * below, when read.
 */

/** Bounds of every history the state keeps (the defaults suit the UI; the test API keeps more). */
export interface Limits {
  /** Rows of the events pane (requests, event deliveries), newest last. */
  events: number;
  /** Log lines kept per function (build, instance, reload, ofn-local's own lines). */
  logsPerFunction: number;
  /** Latest request durations per function, for the p50. */
  latencies: number;
  /** Seconds of per-second request counts per function, for requests/s. */
  rateWindowS: number;
  /** Errors kept (the banner shows the last one). */
  errors: number;
  notices: number;
  /** What functions sent to output bindings and topics, newest last. */
  outputs: number;
  /** Build and start failures kept (see `ProjectState.failures`). */
  failures: number;
}

export const LIMITS: Readonly<Limits> = {
  /** Rows of the events pane (requests now, event deliveries later), newest last. */
  events: 400,
  /** Log lines kept per function (build, instance, ofn-local's own lines). */
  logsPerFunction: 300,
  /** Latest request durations per function, for the p50. */
  latencies: 200,
  /** Seconds of per-second request counts per function, for requests/s. */
  rateWindowS: 10,
  /** Errors kept (the banner shows the last one). */
  errors: 20,
  notices: 5,
  outputs: 400,
  failures: 200,
};

/** How something turned out; drives colours (green, yellow, red) and nothing else. */
export type Outcome = 'ok' | 'warn' | 'error';

/** One stop on the way of a request or event: gateway → instance today; source → bus → trigger → sink with eventing. */
export interface Hop {
  kind: 'gateway' | 'instance' | 'source' | 'bus' | 'trigger' | 'sink' | 'sidecar';
  name: string;
  outcome?: Outcome;
}

/** A row of the events pane. Requests today; event deliveries (with their hops) slot in as `kind: 'event'`. */
export interface EventRow {
  seq: number;
  ts: string;
  fn: string;
  kind: 'request' | 'event';
  /** `GET /default/hello` for a request; the event type for an event. */
  title: string;
  /** HTTP status of a request. */
  status?: number;
  outcome: Outcome;
  durationMs?: number;
  cold?: boolean;
  hops: readonly Hop[];
  /** Event rows: the event's id (its hops join that row). */
  eventId?: string;
}

/** Where a log line came from: the build, an instance, a reload, ofn-local itself, or (later) a Dapr sidecar. */
export type LogSource = 'build' | 'instance' | 'reload' | 'ofn' | 'sidecar';

export interface LogLine {
  seq: number;
  ts: string;
  /** The kind of journal entry it says. */
  kind: JournalEntry['type'];
  source: LogSource;
  /** The instance (or sidecar) that printed it. */
  instance?: string;
  tone?: Outcome;
  text: string;
}

/** The last build or reload of a function. */
export interface Change {
  what: 'build' | 'reload';
  /** Reloads: `fast` (code synced in place) or `slow` (rebuilt). */
  path?: 'fast' | 'slow';
  phase: 'running' | 'done' | 'failed';
  cached?: boolean;
  startedAt: string;
  durationMs?: number;
  message?: string;
  /** A running buildpacks build's lifecycle phase (detect, analyze, restore, build, export). */
  step?: string;
}

export interface RateBucket {
  /** Unix second. */
  sec: number;
  n: number;
}

export interface FunctionView {
  key: string;
  name: string;
  namespace: string;
  /** sync (HTTP, Knative) or async (Dapr) function, or an apps/v1 Deployment (`deploy`); from status. */
  kind?: 'sync' | 'async' | 'deploy';
  state: FunctionState | 'removed';
  reason?: string;
  /** True once the journal said the state; status snapshots then no longer override it. */
  stateFromJournal: boolean;
  /** Instances running now (ready, not parked or removed). */
  instances: number;
  /** Their ids, as the journal told them. */
  live: readonly string[];
  min?: number;
  max?: number;
  url?: string;
  hostUrl?: string;
  change?: Change;
  requests: { total: number; errors: number; cold: number };
  rate: readonly RateBucket[];
  latencies: readonly number[];
  logs: readonly LogLine[];
}

export interface ErrorInfo {
  seq: number;
  ts: string;
  fn?: string;
  /** What failed: `build failed`, `reload failed`, `instance failed`, `error`. */
  title: string;
  /** A daemon.error's code (`ERR_MANIFEST`, ...). */
  code?: string;
  message: string;
  file?: string;
  line?: number;
  hint?: string;
}

export interface ProjectState {
  lastSeq: number;
  project?: string;
  root?: string;
  gateway?: string;
  runtime?: string;
  /** Dapr mode, once sidecars exist (the header shows it when known). */
  dapr?: string;
  daemon: 'starting' | 'ready' | 'stopping';
  /** Function keys (`ns/name`), sorted. */
  order: readonly string[];
  functions: Readonly<Record<string, FunctionView>>;
  events: readonly EventRow[];
  /** Requests, 5xx answers, and entries of kinds this UI does not show yet. */
  totals: { requests: number; errors: number; other: number };
  errors: readonly ErrorInfo[];
  /** The error of the banner; cleared when its function recovers. */
  lastError?: ErrorInfo;
  notices: readonly string[];
  /** What functions sent to output bindings and topics (`output.sent`), oldest first. */
  outputs: readonly OutputSent[];
  /** Backing services started: name → where this machine reaches them (`host:port`). */
  services: Readonly<Record<string, string>>;
  /**
   * Build and start failures so far, one line each (`<fn>: <message>`), oldest first: what made a
   * start not fully work. Unlike `lastError` they stay once the function recovers.
   */
  failures: readonly string[];
  limits: Readonly<Limits>;
}

/** An `output.sent` entry: what a function sent to an output binding or topic. */
export type OutputSent = JournalEntry & EventOf<'output.sent'>;

export function initialState(limits: Partial<Limits> = {}): ProjectState {
  return {
    lastSeq: 0,
    daemon: 'starting',
    order: [],
    functions: {},
    events: [],
    totals: { requests: 0, errors: 0, other: 0 },
    errors: [],
    notices: [],
    outputs: [],
    services: {},
    failures: [],
    limits: { ...LIMITS, ...limits },
  };
}

/** The state a whole journal (or its part still kept) leads to, e.g. `replay(journal.since(0)).failures`. */
export function replay(entries: readonly JournalEntry[], limits?: Partial<Limits>): ProjectState {
  return applyEvents(initialState(limits), entries);
}

/** The state after one journal entry (entries at or below `lastSeq` are ignored, so replays are harmless). */
export function applyEvent(state: ProjectState, entry: JournalEntry): ProjectState {
  return applyEvents(state, [entry]);
}

/**
 * The state after a batch of entries. Pure: `state` is not touched; what the batch changes is copied
 * once per batch (not once per entry), which keeps thousands of entries per second cheap.
 */
export function applyEvents(state: ProjectState, entries: readonly JournalEntry[]): ProjectState {
  const d = new Draft(state);
  for (const e of entries) {
    if (e.seq <= d.lastSeq) continue;
    d.lastSeq = e.seq;
    reduce(d, e);
  }
  return d.done();
}

/** A status snapshot: URLs, kind and scale bounds always; state and instances only where the journal has not said them. */
export function applyStatus(state: ProjectState, status: DaemonStatus): ProjectState {
  const d = new Draft(state);
  d.head = { project: status.project, root: status.root, runtime: status.runtime, gateway: status.gateway, dapr: status.dapr ?? state.dapr };
  for (const f of status.functions) {
    const key = `${f.namespace}/${f.name}`;
    const fn = d.fn(key);
    fn.kind = f.runtime === 'async' ? 'async' : 'sync';
    fn.url = f.url;
    fn.hostUrl = f.hostUrl;
    fn.min = f.minReplicas;
    fn.max = f.maxReplicas;
    if (!fn.stateFromJournal) {
      if (isFunctionState(f.state)) fn.state = f.state;
      fn.instances = f.replicas;
    }
  }
  for (const dep of status.deployments ?? []) {
    const view = d.fn(`${dep.namespace}/${dep.name}`);
    view.kind = 'deploy';
    view.min = view.max = dep.desiredReplicas;
    if (!view.stateFromJournal) {
      if (isFunctionState(dep.state)) view.state = dep.state;
      view.instances = dep.replicas;
    }
  }
  return d.done();
}

export function addNotice(state: ProjectState, line: string): ProjectState {
  return { ...state, notices: [...state.notices, line].slice(-state.limits.notices) };
}

export function dismissError(state: ProjectState): ProjectState {
  return state.lastError ? { ...state, lastError: undefined } : state;
}

// ---------------------------------------------------------------------------------------------
// Selectors (pure; `nowMs` is passed in, never read from the clock)

/** Requests per second over the last LIMITS.rateWindowS seconds. */
export function requestsPerSecond(fn: FunctionView, nowMs: number, windowS: number = LIMITS.rateWindowS): number {
  const nowSec = Math.floor(nowMs / 1000);
  let n = 0;
  for (const b of fn.rate) if (b.sec > nowSec - windowS && b.sec <= nowSec) n += b.n;
  return n / windowS;
}

/** Median duration of the latest requests (undefined before the first). */
export function p50(fn: FunctionView): number | undefined {
  if (fn.latencies.length === 0) return undefined;
  const sorted = [...fn.latencies].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function countStates(state: ProjectState): Record<FunctionView['state'], number> {
  const counts = { pending: 0, building: 0, ready: 0, 'scaled-to-zero': 0, failed: 0, removed: 0 };
  for (const key of state.order) counts[state.functions[key]!.state]++;
  return counts;
}

// ---------------------------------------------------------------------------------------------

/**
 * The line a journal entry adds to its function's log, or undefined when it adds none. One mapping
 * for every reader: the state's per-function logs (the UI's logs pane, the test API's `logs()`) and
 * `ofn-local logs`, which prints these lines as they come.
 */
export function logLine(e: JournalEntry): LogLine | undefined {
  const line = (source: LogSource, text: string, tone?: Outcome, instance?: string): LogLine => ({ seq: e.seq, ts: e.ts, kind: e.type, source, instance, tone, text });
  switch (e.type) {
    case 'function.added':
      return line('ofn', 'function added');
    case 'function.removed':
      return line('ofn', 'function removed');
    case 'function.scaled':
      return line('ofn', `scaled ${e.from} → ${e.to} (${e.reason})`);
    case 'build.started':
      return line('ofn', 'building');
    case 'build.log':
      return line('build', e.line);
    case 'build.phase':
      return line('ofn', `buildpacks: ${e.phase}`);
    case 'build.finished':
      return line('ofn', `built${e.cached ? ' (cached)' : ''} in ${e.durationMs} ms${e.image ? ` → ${e.image}` : ''}`, 'ok');
    case 'build.failed':
      return line('build', `FAILED: ${e.message}`, 'error');
    case 'reload.started':
      return line('reload', `started (${e.path} path): ${e.cause.join(', ')}`);
    case 'reload.finished':
      return line('reload', `${e.path} path, ${e.timings.totalMs} ms`, 'ok');
    case 'reload.failed':
      // The last good version keeps serving; the error banner says so.
      return line('reload', `FAILED (${e.path} path): ${fileLine(e)}${e.message}`, 'error');
    case 'output.sent':
      return line('ofn', `sent ${e.size} bytes to ${e.kind === 'topic' ? `topic ${e.target} of ${e.component}` : `binding ${e.component} (${e.target})`}`);
    case 'instance.starting':
      return line('ofn', `starting ${e.instance}${e.cold ? ' (cold)' : ''}`);
    case 'instance.ready':
      return line('ofn', `${e.instance} ready in ${e.durationMs} ms${e.cold ? ' (cold start)' : ''}`, 'ok');
    case 'instance.log':
      return line('instance', e.line, e.stream === 'stderr' ? 'error' : undefined, e.instance);
    case 'instance.suspended':
      return line('ofn', `${e.instance} ${e.mode === 'pause' ? 'paused' : 'stopped'} (scaled to zero)`);
    case 'instance.removed':
      return line('ofn', `${e.instance} removed`);
    case 'instance.failed':
      return line('instance', `FAILED: ${e.message}`, 'error', e.instance);
    default:
      return undefined;
  }
}

/** `index.js:3: ` of a reload that failed at a place, else nothing. */
function fileLine(e: EventOf<'reload.failed'>): string {
  return e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
}

function reduce(d: Draft, e: JournalEntry): void {
  const log = logLine(e);
  if (log && 'fn' in e) d.log(e.fn, log);
  switch (e.type) {
    case 'project.loaded':
      // At start, and again after each manifest change that loads: a manifest error is over.
      d.head = { ...d.head, root: e.root };
      for (const key of e.functions) d.fn(key);
      d.warnings(e.warnings.map((w) => `warning: ${w}`));
      d.resolved('ERR_MANIFEST');
      return;
    case 'daemon.ready':
      d.daemon = 'ready';
      d.head = { ...d.head, gateway: e.gateway, runtime: e.runtime };
      return;
    case 'daemon.stopping':
      d.daemon = 'stopping';
      return;
    case 'daemon.error':
      d.error({ seq: e.seq, ts: e.ts, fn: d.has(e.source) ? e.source : undefined, title: d.has(e.source) ? 'error' : e.source, code: e.code, message: e.message, hint: e.hint });
      if (e.code === 'ERR_START_FAILED') d.failure(`${e.source}: ${e.message}`);
      return;
    case 'service.started':
      d.service(e.name, e.address);
      // Not shown by the UI yet.
      d.totals.other++;
      return;
    case 'function.added':
      d.fn(e.fn);
      return;
    case 'function.removed': {
      const fn = d.fn(e.fn);
      fn.state = 'removed';
      fn.stateFromJournal = true;
      fn.instances = 0;
      fn.live = [];
      return;
    }
    case 'function.state': {
      const fn = d.fn(e.fn);
      fn.state = e.state;
      fn.reason = e.reason;
      fn.stateFromJournal = true;
      if (e.state === 'ready' || e.state === 'scaled-to-zero') d.recovered(e.fn);
      return;
    }
    case 'function.scaled':
      d.fn(e.fn).instances = e.to;
      return;
    case 'build.started':
      d.fn(e.fn).change = { what: 'build', phase: 'running', startedAt: e.ts };
      return;
    case 'build.log':
      return;
    case 'build.phase': {
      const fn = d.fn(e.fn);
      if (fn.change?.phase === 'running') fn.change = { ...fn.change, step: e.phase };
      return;
    }
    case 'build.finished': {
      const fn = d.fn(e.fn);
      // A reload's rebuild journals build.finished too; the reload stays the change shown.
      if (fn.change?.what === 'reload' && fn.change.phase === 'running') return;
      fn.change = { what: 'build', phase: 'done', cached: e.cached, startedAt: fn.change?.startedAt ?? e.ts, durationMs: e.durationMs };
      d.recovered(e.fn);
      return;
    }
    case 'build.failed': {
      const fn = d.fn(e.fn);
      fn.change = { what: 'build', phase: 'failed', startedAt: fn.change?.startedAt ?? e.ts, message: e.message };
      d.error({ seq: e.seq, ts: e.ts, fn: e.fn, title: 'build failed', message: e.message });
      d.failure(`${e.fn}: ${e.message}`);
      return;
    }
    case 'reload.started':
      d.fn(e.fn).change = { what: 'reload', path: e.path, phase: 'running', startedAt: e.ts };
      return;
    case 'reload.finished': {
      const fn = d.fn(e.fn);
      fn.change = { what: 'reload', path: e.path, phase: 'done', startedAt: fn.change?.startedAt ?? e.ts, durationMs: e.timings.totalMs };
      d.recovered(e.fn);
      return;
    }
    case 'reload.failed': {
      const fn = d.fn(e.fn);
      fn.change = { what: 'reload', path: e.path, phase: 'failed', startedAt: fn.change?.startedAt ?? e.ts, message: fileLine(e) + e.message };
      d.error({ seq: e.seq, ts: e.ts, fn: e.fn, title: 'reload failed', message: e.message, file: e.file, line: e.line, hint: 'still serving the last good version' });
      return;
    }
    case 'output.sent':
      d.output(e);
      return;
    case 'instance.starting':
    case 'instance.log':
      return;
    case 'instance.ready':
      d.live(e.fn, e.instance, true);
      return;
    case 'instance.suspended':
    case 'instance.removed':
      d.live(e.fn, e.instance, false);
      return;
    case 'instance.failed':
      d.live(e.fn, e.instance, false);
      d.error({ seq: e.seq, ts: e.ts, fn: e.fn, title: 'instance failed', message: e.message });
      return;
    case 'request.completed': {
      const fn = d.fn(e.fn);
      const outcome: Outcome = e.status >= 500 ? 'error' : e.status >= 400 ? 'warn' : 'ok';
      const requests = d.requests(fn);
      requests.total++;
      if (outcome === 'error') requests.errors++;
      if (e.cold) requests.cold++;
      d.totals.requests++;
      if (outcome === 'error') d.totals.errors++;
      d.sample(fn, Date.parse(e.ts), e.durationMs);
      const hops: Hop[] = [{ kind: 'gateway', name: 'gateway' }];
      if (e.instance) hops.push({ kind: 'instance', name: e.instance, outcome });
      d.event({ seq: e.seq, ts: e.ts, fn: e.fn, kind: 'request', title: `${e.method} ${e.path}`, status: e.status, outcome, durationMs: e.durationMs, cold: e.cold, hops });
      return;
    }
    case 'event.hop': {
      // One row per event: source → bus → trigger → sink/topic, each hop coloured by how it went.
      const outcome: Outcome = e.status === 'failed' ? 'error' : e.status === 'retrying' || e.status === 'unmatched' || e.stage === 'dead-letter' ? 'warn' : 'ok';
      const kind: Hop['kind'] = e.stage === 'source' ? 'source' : e.stage === 'bus' || e.stage === 'topic' ? 'bus' : e.stage === 'trigger' ? 'trigger' : 'sink';
      const hop: Hop = { kind, name: e.stage === 'sink' || e.stage === 'dead-letter' ? `${e.stage === 'dead-letter' ? 'dead-letter ' : ''}${e.target}` : e.stage === 'trigger' ? (e.trigger ?? e.target) : e.target, outcome };
      d.eventHop(e.id, (row) => {
        const worst = (a: Outcome, b: Outcome): Outcome => (a === 'error' || b === 'error' ? 'error' : a === 'warn' || b === 'warn' ? 'warn' : 'ok');
        // A retry that then succeeds replaces its own hop.
        const hops = row ? row.hops.filter((h) => !(h.kind === hop.kind && h.name === hop.name && h.outcome === 'warn' && e.stage === 'sink')) : [];
        return {
          seq: row?.seq ?? e.seq,
          ts: row?.ts ?? e.ts,
          fn: `${e.namespace}/${e.eventSource}`,
          kind: 'event',
          title: `${e.eventSource}.${e.event}`,
          outcome: e.status === 'retrying' ? (row?.outcome ?? 'ok') : worst(row?.outcome ?? 'ok', outcome),
          durationMs: e.latencyMs,
          hops: [...hops, hop],
          eventId: e.id,
        };
      });
      return;
    }
    default:
      // Kinds this state does not know yet (the journal grows): counted, not shown.
      d.totals.other++;
      return;
  }
}

function isFunctionState(s: string): s is FunctionState {
  return s === 'pending' || s === 'building' || s === 'ready' || s === 'scaled-to-zero' || s === 'failed';
}

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: 'default', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableFn = Mutable<Omit<FunctionView, 'rate' | 'latencies' | 'logs' | 'live'>> & { rate: RateBucket[]; latencies: number[]; logs: LogLine[]; live: readonly string[] };

/**
 * Copy-on-write over one state for one batch: each function touched, and each list appended to, is
 * copied once; lists are trimmed to their bounds when the batch is done.
 */
class Draft {
  lastSeq: number;
  daemon: ProjectState['daemon'];
  head: Pick<ProjectState, 'project' | 'root' | 'gateway' | 'runtime' | 'dapr'>;
  totals: ProjectState['totals'];
  readonly #base: ProjectState;
  readonly #fns = new Map<string, MutableFn>();
  readonly #copied = new Set<string>();
  readonly #limits: Readonly<Limits>;
  #events: EventRow[] | undefined;
  #outputs: OutputSent[] | undefined;
  #services: Record<string, string> | undefined;
  #failures: string[] | undefined;
  #errors: ErrorInfo[] | undefined;
  #notices: string[] | undefined;
  #lastError: ErrorInfo | undefined;
  #order: string[] | undefined;

  constructor(base: ProjectState) {
    this.#base = base;
    this.#limits = base.limits;
    this.lastSeq = base.lastSeq;
    this.daemon = base.daemon;
    this.head = { project: base.project, root: base.root, gateway: base.gateway, runtime: base.runtime, dapr: base.dapr };
    this.totals = { ...base.totals };
    this.#lastError = base.lastError;
  }

  has(key: string): boolean {
    return this.#fns.has(key) || key in this.#base.functions;
  }

  /** The function, copied for this batch (created when new). */
  fn(key: string): MutableFn {
    let fn = this.#fns.get(key);
    if (fn) return fn;
    const base = this.#base.functions[key];
    if (base) {
      fn = { ...base, rate: base.rate as RateBucket[], latencies: base.latencies as number[], logs: base.logs as LogLine[] };
    } else {
      const { namespace, name } = splitKey(key);
      fn = { key, name, namespace, state: 'pending', stateFromJournal: false, instances: 0, live: [], requests: { total: 0, errors: 0, cold: 0 }, rate: [], latencies: [], logs: [] };
      this.#order ??= [...this.#base.order];
      this.#order.push(key);
      for (const list of ['rate', 'latencies', 'logs'] as const) this.#copied.add(`${key}\0${list}`);
    }
    this.#fns.set(key, fn);
    return fn;
  }

  requests(fn: MutableFn): MutableFn['requests'] {
    const k = `${fn.key}\0requests`;
    if (!this.#copied.has(k)) {
      fn.requests = { ...fn.requests };
      this.#copied.add(k);
    }
    return fn.requests;
  }

  #list<L extends 'rate' | 'latencies' | 'logs'>(fn: MutableFn, list: L): MutableFn[L] {
    const k = `${fn.key}\0${list}`;
    if (!this.#copied.has(k)) {
      (fn[list] as unknown[]) = [...fn[list]];
      this.#copied.add(k);
    }
    return fn[list];
  }

  /** An instance became ready (or stopped serving): the count follows the ids the journal names. */
  live(key: string, instance: string, up: boolean): void {
    const fn = this.fn(key);
    const has = fn.live.includes(instance);
    if (up && !has) fn.live = [...fn.live, instance];
    else if (!up && has) fn.live = fn.live.filter((i) => i !== instance);
    fn.instances = fn.live.length;
  }

  sample(fn: MutableFn, atMs: number, durationMs: number): void {
    const latencies = this.#list(fn, 'latencies');
    latencies.push(durationMs);
    if (latencies.length > this.#limits.latencies * 2) latencies.splice(0, latencies.length - this.#limits.latencies);
    const sec = Math.floor(atMs / 1000);
    const rate = this.#list(fn, 'rate');
    const last = rate[rate.length - 1];
    if (last && last.sec === sec) rate[rate.length - 1] = { sec, n: last.n + 1 };
    else if (!last || sec > last.sec) rate.push({ sec, n: 1 });
    else {
      const b = rate.findIndex((x) => x.sec === sec);
      if (b >= 0) rate[b] = { sec, n: rate[b]!.n + 1 };
    }
    while (rate.length > 0 && rate[0]!.sec <= sec - this.#limits.rateWindowS) rate.shift();
  }

  log(key: string, line: LogLine): void {
    const logs = this.#list(this.fn(key), 'logs');
    logs.push(line);
    if (logs.length > this.#limits.logsPerFunction * 2) logs.splice(0, logs.length - this.#limits.logsPerFunction);
  }

  /** The row of event `id` among the recent ones, updated (or added) by `update`. */
  eventHop(id: string, update: (row: EventRow | undefined) => EventRow): void {
    this.#events ??= [...this.#base.events];
    const from = Math.max(0, this.#events.length - 200);
    for (let i = this.#events.length - 1; i >= from; i--) {
      if (this.#events[i]!.eventId === id) {
        this.#events[i] = update(this.#events[i]);
        return;
      }
    }
    this.event(update(undefined));
  }

  event(row: EventRow): void {
    this.#events ??= [...this.#base.events];
    this.#events.push(row);
    if (this.#events.length > this.#limits.events * 2) this.#events.splice(0, this.#events.length - this.#limits.events);
  }

  output(e: OutputSent): void {
    this.#outputs ??= [...this.#base.outputs];
    this.#outputs.push(e);
    if (this.#outputs.length > this.#limits.outputs * 2) this.#outputs.splice(0, this.#outputs.length - this.#limits.outputs);
  }

  service(name: string, address: string): void {
    this.#services ??= { ...this.#base.services };
    this.#services[name] = address;
  }

  failure(line: string): void {
    this.#failures ??= [...this.#base.failures];
    this.#failures.push(line);
    if (this.#failures.length > this.#limits.failures) this.#failures.shift();
  }

  error(err: ErrorInfo): void {
    this.#errors ??= [...this.#base.errors];
    this.#errors.push(err);
    if (this.#errors.length > this.#limits.errors) this.#errors.shift();
    this.#lastError = err;
  }

  /** The function works again: its error leaves the banner. */
  recovered(key: string): void {
    if (this.#lastError?.fn === key) this.#lastError = undefined;
  }

  /** What errors of this code were about is fixed: such an error leaves the banner. */
  resolved(code: string): void {
    if (this.#lastError?.code === code) this.#lastError = undefined;
  }

  /** The manifests' warnings now: they replace the ones of the previous load (fixed ones go). */
  warnings(lines: readonly string[]): void {
    const others = (this.#notices ?? this.#base.notices).filter((n) => !n.startsWith('warning: '));
    this.#notices = [...others, ...lines].slice(-this.#limits.notices);
  }

  notice(line: string): void {
    this.#notices ??= [...this.#base.notices];
    this.#notices.push(line);
    if (this.#notices.length > this.#limits.notices) this.#notices.shift();
  }

  done(): ProjectState {
    const b = this.#base;
    let functions = b.functions;
    if (this.#fns.size > 0) {
      const next: Record<string, FunctionView> = { ...b.functions };
      for (const [key, fn] of this.#fns) {
        trim(fn.logs, this.#limits.logsPerFunction);
        trim(fn.latencies, this.#limits.latencies);
        next[key] = fn;
      }
      functions = next;
    }
    if (this.#events) trim(this.#events, this.#limits.events);
    if (this.#outputs) trim(this.#outputs, this.#limits.outputs);
    return {
      ...b,
      ...this.head,
      lastSeq: this.lastSeq,
      daemon: this.daemon,
      totals: this.totals,
      order: this.#order ? [...this.#order].sort() : b.order,
      functions,
      events: this.#events ?? b.events,
      errors: this.#errors ?? b.errors,
      lastError: this.#lastError,
      notices: this.#notices ?? b.notices,
      outputs: this.#outputs ?? b.outputs,
      services: this.#services ?? b.services,
      failures: this.#failures ?? b.failures,
    };
  }
}

/** Trims an array this batch owns (a copy) to its last `max` items. */
function trim<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}
