/**
 * Creates and keeps the sidecar's components. Secret stores start first (other
 * components' `secretKeyRef`s need them). A component whose type is unknown, whose
 * metadata does not validate or whose references cannot be resolved fails on its own with
 * a message naming it and its file; the others load. A component whose broker does not
 * answer logs a clear error and keeps retrying in the background (daprd would exit), so
 * the sidecar comes up and the component joins once the broker is there.
 */
import { COMPONENT_PLUGINS, findPlugin } from '../../dapr-components/index.js';
import type {
  Binding,
  Block,
  ComponentContext,
  ComponentPlugin,
  Lifecycle,
  PubSub,
  SecretStore,
  StateStore,
} from '../../dapr-components/component.js';
import { formatGoDuration } from '../../shared/go-compat/duration.js';
import type { Logger } from '../logger.js';
import { describeIssues } from '../resources/component-resource.js';
import type { ComponentSpec, InvalidComponent } from '../resources/load-resources.js';
import { resolveMetadata, type ResolveContext } from '../resources/resolve-metadata.js';
import { keyPrefixFor } from './state-keys.js';

export type ComponentState = 'initializing' | 'ready' | 'retrying' | 'failed' | 'closed';

export interface ComponentStatus {
  name: string;
  type: string;
  version: string;
  file: string;
  state: ComponentState;
  /** Why it failed or is retrying. */
  error?: string;
  /** Upper-case capabilities as /v1.0/metadata lists them. */
  capabilities: string[];
}

interface Entry<T> {
  spec: ComponentSpec;
  plugin?: ComponentPlugin;
  block: Block | 'unknown';
  status: ComponentStatus;
  instance?: T;
  /** Resolved metadata record (after templates). */
  metadata?: Record<string, string>;
  /** state stores: the key prefix (`<appId>||` …). */
  keyPrefix?: string;
  /** bindings: whether the app should be probed / read. */
  readInput?: boolean;
  ready: Promise<void>;
  resolveReady: () => void;
}

export type Lookup<T> =
  | { kind: 'ready'; instance: T; entry: RegisteredComponent }
  | { kind: 'missing' }
  | { kind: 'unavailable'; reason: string };

export interface RegisteredComponent {
  name: string;
  type: string;
  block: Block | 'unknown';
  keyPrefix?: string;
  metadata: Record<string, string>;
  plugin?: ComponentPlugin;
}

export interface RegistryOptions {
  appId: string;
  namespace?: string;
  podName?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  log: Logger;
  kubernetesSecrets: Map<string, Record<string, string>>;
  /** First retry delay after a failed init; doubles up to retryMaxMs. */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

const BLOCK_OF_TYPE = (type: string): Block | 'unknown' => {
  const prefix = type.split('.')[0];
  return prefix === 'state' || prefix === 'pubsub' || prefix === 'bindings' || prefix === 'secretstores' ? prefix : 'unknown';
};

function capabilitiesOf(plugin: ComponentPlugin | undefined, instance: unknown, readInput: boolean | undefined, writeOutput: boolean): string[] {
  if (!plugin) return [];
  switch (plugin.block) {
    case 'state': {
      const features = [...(instance as StateStore).features];
      if (features.includes('ETAG') && features.includes('TRANSACTIONAL') && !features.includes('ACTOR')) features.push('ACTOR');
      return features;
    }
    case 'pubsub':
      return [...(instance as PubSub).features];
    case 'bindings': {
      const caps: string[] = [];
      if (readInput) caps.push('INPUT_BINDING');
      if (writeOutput) caps.push('OUTPUT_BINDING');
      return caps;
    }
    default:
      return [];
  }
}

async function withTimeout<T>(ms: number, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`${what} timed out after ${formatGoDuration(ms)} (spec.initTimeout)`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class ComponentRegistry {
  private readonly entries = new Map<string, Entry<Lifecycle>>();
  private readonly failedDocs: ComponentStatus[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly listeners = new Set<(status: ComponentStatus) => void>();

  constructor(private readonly opts: RegistryOptions) {}

  /** Called on every status change (the daemon shows these). */
  onStatus(listener: (status: ComponentStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(status: ComponentStatus): void {
    for (const l of this.listeners) l({ ...status });
  }

  /** Creates every component; resolves once each is ready, failed or retrying in the background. */
  async start(specs: readonly ComponentSpec[], invalid: readonly InvalidComponent[]): Promise<void> {
    for (const bad of invalid) {
      const status: ComponentStatus = {
        name: bad.name ?? '(unnamed)',
        type: bad.type ?? '',
        version: 'v1',
        file: bad.file,
        state: 'failed',
        error: bad.message,
        capabilities: [],
      };
      this.failedDocs.push(status);
      this.opts.log.error(bad.message);
      this.emit(status);
    }
    for (const spec of specs) {
      let resolveReady!: () => void;
      const ready = new Promise<void>((r) => (resolveReady = r));
      const plugin = findPlugin(spec.type);
      const entry: Entry<Lifecycle> = {
        spec,
        plugin,
        block: plugin?.block ?? BLOCK_OF_TYPE(spec.type),
        status: { name: spec.name, type: spec.type, version: spec.version, file: spec.file, state: 'initializing', capabilities: [] },
        ready,
        resolveReady,
      };
      this.entries.set(spec.name, entry);
    }
    const all = [...this.entries.values()];
    await Promise.all(all.filter((e) => e.block === 'secretstores').map((e) => this.startOne(e)));
    await Promise.all(all.filter((e) => e.block !== 'secretstores').map((e) => this.startOne(e)));
  }

  private fail(entry: Entry<Lifecycle>, message: string): void {
    entry.status.state = 'failed';
    entry.status.error = message;
    this.opts.log.error(message);
    this.emit(entry.status);
  }

  private async startOne(entry: Entry<Lifecycle>): Promise<void> {
    const { spec, plugin } = entry;
    const label = `component ${spec.name} (${spec.type}/${spec.version}) in ${spec.file}`;
    if (!plugin) {
      this.fail(
        entry,
        `${label}: component type ${spec.type} is not supported by ofn-local's sidecar (supported: ${Object.keys(COMPONENT_PLUGINS).join(', ')}); use the real daprd for it`,
      );
      return;
    }
    if (spec.version !== 'v1') {
      this.fail(entry, `${label}: version ${spec.version} is not supported (only v1)`);
      return;
    }
    let metadata: Record<string, string>;
    try {
      const resolveCtx: ResolveContext = {
        appId: this.opts.appId,
        namespace: this.opts.namespace,
        podName: this.opts.podName,
        env: this.opts.env,
        kubernetesSecrets: this.opts.kubernetesSecrets,
        secretStore: (name) => this.readyInstance<SecretStore>(name, 'secretstores'),
      };
      metadata = await resolveMetadata(spec, resolveCtx);
    } catch (err) {
      this.fail(entry, `${label}: ${(err as Error).message}`);
      return;
    }
    if (plugin.block === 'pubsub' && !Object.keys(metadata).some((k) => k.toLowerCase() === 'consumerid')) {
      metadata.consumerID = this.opts.appId;
    }
    entry.metadata = metadata;
    const parsed = plugin.metadata.safeParse(metadata);
    if (!parsed.success) {
      this.fail(entry, `${label}: invalid metadata: ${describeIssues(parsed.error)}`);
      return;
    }
    if (plugin.block === 'state') {
      try {
        entry.keyPrefix = keyPrefixFor(metadata.keyPrefix, { appId: this.opts.appId, storeName: spec.name, namespace: this.opts.namespace });
      } catch (err) {
        this.fail(entry, `${label}: ${(err as Error).message}`);
        return;
      }
    }
    const ctx: ComponentContext = {
      name: spec.name,
      appId: this.opts.appId,
      namespace: this.opts.namespace,
      log: this.opts.log.child('dapr.contrib'),
      cwd: this.opts.cwd,
      env: this.opts.env,
    };
    let instance: Lifecycle;
    try {
      instance = await (plugin as { create(md: unknown, ctx: ComponentContext): Lifecycle | Promise<Lifecycle> }).create(parsed.data, ctx);
    } catch (err) {
      this.fail(entry, `${label}: ${(err as Error).message}`);
      return;
    }
    if (plugin.block === 'bindings') {
      const direction = (metadata.direction ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      const binding = instance as Binding;
      const canRead = plugin.input && typeof binding.read === 'function';
      entry.readInput = canRead && (direction.length === 0 || direction.includes('input'));
    }
    await this.initWithRetry(entry, instance, label, 0);
  }

  private async initWithRetry(entry: Entry<Lifecycle>, instance: Lifecycle, label: string, attempt: number): Promise<void> {
    if (this.closed) return;
    try {
      await withTimeout(entry.spec.initTimeoutMs, `${label}: init`, (signal) => instance.init(signal));
    } catch (err) {
      if (this.closed) return;
      const initial = this.opts.retryInitialMs ?? 1000;
      const delay = Math.min(this.opts.retryMaxMs ?? 30_000, initial * 2 ** attempt);
      entry.status.state = 'retrying';
      entry.status.error = (err as Error).message;
      this.opts.log.error(`${label} failed to initialise: ${(err as Error).message}; retrying in ${formatGoDuration(delay)}`);
      this.emit(entry.status);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        void this.initWithRetry(entry, instance, label, attempt + 1);
      }, delay);
      this.retryTimers.add(timer);
      return;
    }
    if (this.closed) {
      await instance.close().catch(() => {});
      return;
    }
    entry.instance = instance;
    entry.status.state = 'ready';
    delete entry.status.error;
    const writeOutput = entry.plugin?.block === 'bindings' && entry.plugin.output && typeof (instance as Binding).invoke === 'function' && this.outputAllowed(entry);
    entry.status.capabilities = capabilitiesOf(entry.plugin, instance, entry.readInput, writeOutput);
    this.opts.log.info(`component loaded: ${entry.spec.name} (${entry.spec.type}/${entry.spec.version})${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}`);
    this.emit(entry.status);
    entry.resolveReady();
  }

  private outputAllowed(entry: Entry<Lifecycle>): boolean {
    const direction = (entry.metadata?.direction ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    return direction.length === 0 || direction.includes('output');
  }

  private readyInstance<T>(name: string, block: Block): T | undefined {
    const entry = this.entries.get(name);
    return entry && entry.block === block && entry.status.state === 'ready' ? (entry.instance as T) : undefined;
  }

  /** Looks up a component of a block by name. */
  lookup<T>(block: Block, name: string): Lookup<T> {
    const entry = this.entries.get(name);
    if (!entry || entry.block !== block) return { kind: 'missing' };
    if (entry.status.state !== 'ready' || !entry.instance) {
      return { kind: 'unavailable', reason: entry.status.error ?? `component ${name} is still initialising` };
    }
    return { kind: 'ready', instance: entry.instance as T, entry: this.describe(entry) };
  }

  private describe(entry: Entry<Lifecycle>): RegisteredComponent {
    return {
      name: entry.spec.name,
      type: entry.spec.type,
      block: entry.block,
      keyPrefix: entry.keyPrefix,
      metadata: entry.metadata ?? {},
      plugin: entry.plugin,
    };
  }

  /** Whether any component of the block is declared (ready or not). */
  has(block: Block): boolean {
    return [...this.entries.values()].some((e) => e.block === block);
  }

  /** Resolves when the named component is ready (never, if it failed for good). */
  whenReady(name: string): Promise<void> {
    return this.entries.get(name)?.ready ?? new Promise(() => {});
  }

  /** Names of the components of a block, in load order. */
  names(block: Block): string[] {
    return [...this.entries.values()].filter((e) => e.block === block).map((e) => e.spec.name);
  }

  /** Output bindings allowed by `direction`. */
  outputAllowedFor(name: string): boolean {
    const entry = this.entries.get(name);
    return entry !== undefined && this.outputAllowed(entry);
  }

  /** Bindings the app channel should probe and read once they are ready. */
  inputBindings(): { name: string; route: string }[] {
    return [...this.entries.values()]
      .filter((e) => e.block === 'bindings' && e.readInput)
      .map((e) => ({ name: e.spec.name, route: e.metadata?.route || e.spec.name }));
  }

  /** Whether a binding lists `input` in `direction` (then the probe is skipped). */
  directionHasInput(name: string): boolean {
    const dir = (this.entries.get(name)?.metadata?.direction ?? '').toLowerCase();
    return dir.split(',').map((s) => s.trim()).includes('input');
  }

  statuses(): ComponentStatus[] {
    return [...this.failedDocs, ...[...this.entries.values()].map((e) => ({ ...e.status }))];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const errors: unknown[] = [];
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        if (!e.instance) return;
        try {
          await e.instance.close();
        } catch (err) {
          errors.push(err);
        }
        e.status.state = 'closed';
      }),
    );
    if (errors.length > 0) this.opts.log.warn(`errors closing components: ${errors.map((e) => (e as Error).message).join('; ')}`);
  }
}

