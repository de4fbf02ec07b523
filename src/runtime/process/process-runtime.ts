import { PARENT_PID_ENV } from '../../shared/parent-watch.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { RuntimeError } from '../errors.js';
import type { Instance, InstanceSpec, LogSink, Runtime, ZeroMode } from '../runtime.js';
import { splitLines } from '../split-lines.js';
import { endLeftovers, recordSpawn, type SpawnRole } from './leftovers.js';
import { isRunning } from '../../shared/process-identity.js';
import { CONTROL_TOKEN_ENV } from '../../sidecar/http/public-server.js';
import { APP_IDS_ENV } from '../../sidecar/app-ids.js';
import { waitForAppAnswer } from '../app-answer.js';

export interface ProcessRuntimeOptions {
  /** The bundled functions framework to run (`dist/framework/ofn-framework.cjs`). */
  frameworkBundle: string;
  /** The bundled Dapr sidecar (`dist/sidecar/ofn-sidecar.cjs`), for instances that need one. */
  sidecarBundle?: string;
  /**
   * `dist/framework/ofn-parent-bound.cjs`: the real daprd runs as its child, so it stops when ofn-local
   * is killed (daprd cannot watch ofn-local as ofn-local's own programs do). Without it daprd runs bare.
   */
  parentBoundBundle?: string;
  onLog: LogSink;
  /** Node binary; the one running ofn-local by default. */
  node?: string;
  /** The session's state folder: spawned processes are recorded there (leftovers.ts) and prepare() ends what a crashed run left. */
  stateDir?: string;
  /** The token the daemon's requests to sidecars carry (see sidecar/http/public-server.ts); random by default. */
  controlToken?: string;
}

interface SidecarPorts {
  app: number;
  http: number;
  grpc: number;
  public: number;
  /** daprd's internal gRPC API (service invocation from other daprds). */
  internal: number;
}

interface Entry {
  instance: Instance;
  child?: ChildProcess;
  /** The instance's Dapr sidecar process, when it has one. */
  sidecar?: ChildProcess;
  /** The ports its sidecar was given, kept so a restarted sidecar serves where the function looks. */
  sidecarPorts?: SidecarPorts;
  /** The real daprd's start watch (see #startDaprd); aborted when the instance stops or goes. */
  sidecarWait?: AbortController;
  /** daprd is not running by design (not started yet, or being started again): it counts as alive. */
  sidecarPending?: boolean;
}

/**
 * Instances as child processes on the host: the framework runs from the function's prepared folder
 * on a free port. At zero, `pause` freezes the process (SIGSTOP) and `stop` ends it. Functions and
 * sidecars listen on loopback only: the gateway is the way in, as on a cluster.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = 'process' as const;
  readonly #opts: ProcessRuntimeOptions;
  readonly #entries = new Map<string, Entry>();
  #counter = 0;
  readonly #controlToken: string;

  constructor(opts: ProcessRuntimeOptions) {
    this.#opts = opts;
    this.#controlToken = opts.controlToken ?? randomBytes(24).toString('hex');
  }

  async prepare(): Promise<void> {
    // What a crashed daemon of this session left (functions, sidecars, services) ends first.
    if (this.#opts.stateDir) await endLeftovers(this.#opts.stateDir);
  }

  async start(spec: InstanceSpec): Promise<Instance> {
    if (!spec.appDir) throw new RuntimeError('ERR_RUNTIME_UNSUPPORTED', `${spec.namespace}/${spec.name} has no source folder to run`);
    const instance: Instance = {
      id: `${spec.namespace}-${spec.name}-${++this.#counter}`,
      spec,
      address: { host: '127.0.0.1', port: 0 },
      state: 'stopped',
    };
    const entry: Entry = { instance };
    this.#entries.set(instance.id, entry);
    try {
      await this.#spawn(entry);
    } catch (err) {
      await this.remove(instance).catch(() => undefined);
      throw err;
    }
    return instance;
  }

  async resume(instance: Instance): Promise<void> {
    const entry = this.#entry(instance);
    if (instance.state === 'paused') {
      signalTree(entry.child, 'SIGCONT');
      signalTree(entry.sidecar, 'SIGCONT');
      instance.state = 'running';
    } else if (instance.state === 'stopped') {
      await this.#spawn(entry);
    }
  }

  async suspend(instance: Instance, mode: ZeroMode): Promise<void> {
    const entry = this.#entry(instance);
    if (instance.state !== 'running') return;
    if (mode === 'pause') {
      signalTree(entry.child, 'SIGSTOP');
      signalTree(entry.sidecar, 'SIGSTOP');
      instance.state = 'paused';
    } else {
      entry.sidecarWait?.abort();
      entry.sidecarWait = undefined;
      entry.sidecarPending = false;
      await Promise.all([stopChild(entry.child), stopChild(entry.sidecar)]);
      entry.child = undefined;
      entry.sidecar = undefined;
      instance.state = 'stopped';
    }
  }

  async remove(instance: Instance): Promise<void> {
    const entry = this.#entries.get(instance.id);
    this.#entries.delete(instance.id);
    instance.state = 'removed';
    entry?.sidecarWait?.abort();
    for (const child of [entry?.child, entry?.sidecar]) {
      if (!child) continue;
      signalTree(child, 'SIGCONT');
      await stopChild(child);
    }
  }

  async signal(instance: Instance, signal: NodeJS.Signals): Promise<void> {
    this.#entry(instance).child?.kill(signal);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => this.remove(e.instance)));
  }

  async isAlive(instance: Instance): Promise<boolean> {
    return running(this.#entries.get(instance.id)?.child);
  }

  async sidecarAlive(instance: Instance): Promise<boolean> {
    const entry = this.#entry(instance);
    // daprd waiting for its app counts as alive: it starts once the app answers.
    return !instance.spec.sidecar || Boolean(entry.sidecarPending) || running(entry.sidecar);
  }

  async restartSidecar(instance: Instance): Promise<void> {
    const entry = this.#entry(instance);
    const spec = instance.spec.sidecar;
    if (!spec || !entry.sidecarPorts || entry.sidecarPending || running(entry.sidecar)) return;
    entry.sidecar = this.#spawnSidecar(instance, spec, entry.sidecarPorts);
  }

  async #spawn(entry: Entry): Promise<void> {
    const { instance } = entry;
    // The instance's ports, all held open at once while picked, so no two of them are the same.
    const ports = await freePorts(instance.spec.sidecar ? 5 : 1);
    const port = ports[0]!;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...instance.spec.env,
      POD_NAME: instance.id,
      PORT: String(port),
      OFN_LOCAL_LISTEN_HOST: '127.0.0.1',
      [PARENT_PID_ENV]: String(process.pid),
    };
    const sidecar = instance.spec.sidecar;
    if (sidecar) {
      const [, daprHttp, daprGrpc, daprPublic, daprInternal] = ports as [number, number, number, number, number];
      env.DAPR_HTTP_PORT = String(daprHttp);
      env.DAPR_GRPC_PORT = String(daprGrpc);
      env.DAPR_HOST = '127.0.0.1';
      entry.sidecarPorts = { app: port, http: daprHttp, grpc: daprGrpc, public: daprPublic, internal: daprInternal };
      if (sidecar.program) this.#startDaprd(entry, sidecar, entry.sidecarPorts);
      else entry.sidecar = this.#spawnSidecar(instance, sidecar, entry.sidecarPorts);
      instance.dapr = { host: '127.0.0.1', port: daprPublic, controlToken: this.#controlToken, apiPort: daprHttp, grpcApiPort: daprGrpc };
    }
    const command = instance.spec.command;
    if (command && env.FUNC_CONTEXT) env.FUNC_CONTEXT = withPort(env.FUNC_CONTEXT, port);
    const [program, ...args] = command ?? [this.#opts.node ?? process.execPath, this.#opts.frameworkBundle];
    const child = spawn(program!, args, {
      cwd: instance.spec.appDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#record(child, 'function', instance.id);
    child.once('exit', () => {
      if (entry.child === child && instance.state === 'running') instance.state = 'stopped';
    });
    // A spawn that fails (say its folder was deleted) is an instance that exited, not a daemon crash.
    child.once('error', (err) => {
      this.#opts.onLog({ fn: `${instance.spec.namespace}/${instance.spec.name}`, instance: instance.id, stream: 'stderr', line: `cannot start: ${err.message}` });
      if (entry.child === child) instance.state = 'stopped';
    });
    splitLines(child.stdout!, (line) => this.#opts.onLog({ fn: `${instance.spec.namespace}/${instance.spec.name}`, instance: instance.id, stream: 'stdout', line }));
    splitLines(child.stderr!, (line) => this.#opts.onLog({ fn: `${instance.spec.namespace}/${instance.spec.name}`, instance: instance.id, stream: 'stderr', line }));
    entry.child = child;
    instance.address = { host: '127.0.0.1', port };
    instance.state = 'running';
  }

  /**
   * The real daprd asks the app for its subscriptions and input bindings once, as soon as the app's
   * port accepts a connection (app-answer.ts). An HTTP app serves once it listens: daprd starts when
   * it answers. A gRPC app (the Go framework) needs daprd's API before it serves, so daprd starts at
   * once; if daprd found the port open before the app answered, its one question may have met a
   * listener that did not serve yet, and it is started again once the app answers.
   */
  #startDaprd(entry: Entry, sidecar: NonNullable<InstanceSpec['sidecar']>, ports: SidecarPorts): void {
    const wait = new AbortController();
    entry.sidecarWait = wait;
    const early = sidecar.appProtocol === 'grpc';
    let discovered = false;
    const watch = (line: string) => {
      if (line.includes('application discovered on port')) discovered = true;
    };
    if (early) entry.sidecar = this.#spawnSidecar(entry.instance, sidecar, ports, watch);
    else entry.sidecarPending = true;
    const current = () => entry.sidecarWait === wait && !wait.signal.aborted;
    const target = { host: '127.0.0.1', port: ports.app, protocol: sidecar.appProtocol, appId: sidecar.appId, apiToken: sidecar.env?.APP_API_TOKEN };
    waitForAppAnswer(target, wait.signal)
      .then(async () => {
        if (!current()) return;
        if (!early) {
          entry.sidecar = this.#spawnSidecar(entry.instance, sidecar, ports);
          return;
        }
        if (!discovered) return;
        entry.sidecarPending = true;
        this.#opts.onLog({ fn: `${entry.instance.spec.namespace}/${entry.instance.spec.name}`, instance: `${entry.instance.id}/daprd`, stream: 'stderr', line: 'ofn-local: starting daprd again: it looked at the app before the app served, and it asks for input bindings and subscriptions only once' });
        await stopChild(entry.sidecar);
        if (current()) entry.sidecar = this.#spawnSidecar(entry.instance, sidecar, ports);
      })
      .catch(() => undefined)
      .finally(() => {
        if (entry.sidecarWait === wait) entry.sidecarPending = false;
      });
  }

  /** daprd's command line, as a Dapr-enabled pod would run it, pointed at this instance's port. */
  #spawnSidecar(instance: Instance, sidecar: NonNullable<InstanceSpec['sidecar']>, ports: SidecarPorts, watch?: (line: string) => void): ChildProcess {
    if (!this.#opts.sidecarBundle) throw new RuntimeError('ERR_INSTANCE_START', 'no Dapr sidecar bundle (run npm run build)');
    const args = [
      ...(sidecar.program ? sidecar.program.slice(1) : [...SIDECAR_NODE_FLAGS, this.#opts.sidecarBundle]),
      ...['--app-id', sidecar.appId, '--app-port', String(ports.app), '--app-protocol', sidecar.appProtocol],
      ...['--dapr-http-port', String(ports.http), '--dapr-grpc-port', String(ports.grpc), '--resources-path', sidecar.resourcesDir],
      ...['--dapr-listen-addresses', '127.0.0.1', '--dapr-public-port', String(ports.public), '--dapr-public-listen-address', '127.0.0.1'],
      // daprd's metrics server would take port 9090 in every instance on this host. Its internal
      // gRPC API (calls from other app ids' daprds) listens on loopback too, at a port of its own,
      // and is registered under 127.0.0.1 with the other daprds (daprd does so for a loopback address).
      ...(sidecar.program ? ['--enable-metrics=false', '--dapr-internal-grpc-listen-address', '127.0.0.1', '--dapr-internal-grpc-port', String(ports.internal)] : []),
      ...(sidecar.daprd ? ['--config', sidecar.daprd.configFile] : []),
    ];
    const bound = sidecar.program && this.#opts.parentBoundBundle ? [this.#opts.parentBoundBundle, sidecar.program[0]!] : [];
    const program = bound.length ? (this.#opts.node ?? process.execPath) : (sidecar.program?.[0] ?? this.#opts.node ?? process.execPath);
    const child = spawn(program, [...bound, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NAMESPACE: instance.spec.namespace,
        [PARENT_PID_ENV]: String(process.pid),
        [CONTROL_TOKEN_ENV]: this.#controlToken,
        ...(sidecar.appIdsFile ? { [APP_IDS_ENV]: sidecar.appIdsFile } : {}),
        ...sidecar.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const fn = `${instance.spec.namespace}/${instance.spec.name}`;
    const id = `${instance.id}/daprd`;
    this.#record(child, 'sidecar', id);
    child.once('error', (err) => this.#opts.onLog({ fn, instance: id, stream: 'stderr', line: `cannot start the sidecar: ${err.message}` }));
    splitLines(child.stdout!, (line) => (watch?.(line), this.#opts.onLog({ fn, instance: id, stream: 'stdout', line })));
    splitLines(child.stderr!, (line) => this.#opts.onLog({ fn, instance: id, stream: 'stderr', line }));
    return child;
  }

  #entry(instance: Instance): Entry {
    const entry = this.#entries.get(instance.id);
    if (!entry) throw new RuntimeError('ERR_INSTANCE_START', `unknown instance ${instance.id}`);
    return entry;
  }

  /** Records a spawned process under the state folder, so a later run finds it should this one crash. */
  #record(child: ChildProcess, role: SpawnRole, name: string): void {
    if (this.#opts.stateDir) recordSpawn(this.#opts.stateDir, child, role, name);
  }
}

/**
 * Signals a child and everything below it: with hot reload the framework is a supervisor whose
 * worker serves, so freezing only the supervisor would leave the worker answering. Linux reads the
 * tree from /proc; elsewhere only the child itself is signalled.
 */
export function signalTree(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of [child.pid, ...descendants(child.pid)]) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

function descendants(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const d of entries) {
    try {
      // Fields after the command's closing parenthesis: state, ppid, ...
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) (out.push(c), queue.push(c));
  return out;
}

/**
 * FUNC_CONTEXT with `port` set to where a host process must listen: a program other than the Node
 * framework (the Go framework) takes its port from there and ignores PORT.
 */
export function withPort(funcContext: string, port: number): string {
  try {
    const context = JSON.parse(funcContext) as Record<string, unknown>;
    return JSON.stringify({ ...context, port: String(port) });
  } catch {
    return funcContext;
  }
}

/** Whether a child runs: not reported exited, and (read from /proc) not a zombie whose exit Node has yet to hear of. */
function running(child: ChildProcess | undefined): boolean {
  return Boolean(child && child.pid !== undefined && child.exitCode === null && child.signalCode === null && isRunning(child.pid));
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // What does not stop in time is killed with everything below it: a supervisor (the Node
    // framework's, the Go restart supervisor, the Python launcher) killed alone would leave its
    // worker running.
    const kill = setTimeout(() => signalTree(child, 'SIGKILL'), 2000);
    child.once('exit', () => (clearTimeout(kill), resolve()));
    child.kill('SIGTERM');
  });
}

/** A bounded heap for the sidecar (broker clients need more than a bare API: 24 MB runs out). */
export const SIDECAR_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=2'];

/** `count` distinct ports free on loopback right now: each is held until all are picked. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  return ports;
}

/** A port free on loopback right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
