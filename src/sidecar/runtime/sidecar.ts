/**
 * One running sidecar, in daprd's start-up order: flags → resources → components (secret
 * stores first) → HTTP API (outbound healthy) → app channel: wait for the app port,
 * `GET /dapr/config`, `GET /dapr/subscribe`, subscriptions, input bindings (healthy).
 * Components that come up later (a broker that was down) join when they are ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { AppChannel } from '../app-channel/app-channel.js';
import { GrpcAppChannel } from '../app-channel/grpc-app-channel.js';
import { parseSubscriptions } from '../app-channel/subscriptions.js';
import type { Binding, PubSub } from '../../dapr-components/component.js';
import { SidecarError } from '../errors.js';
import type { SidecarFlags } from '../flags.js';
import type { ApiContext } from '../http/api-context.js';
import type { CaptureSink } from '../capture.js';
import { createApiApp } from '../http/server.js';
import { startGrpcApi, type GrpcApi } from '../grpc/server.js';
import { CONTROL_TOKEN_ENV, createPublicApp } from '../http/public-server.js';
import type { Logger } from '../logger.js';
import { loadResources, type SubscriptionSpec } from '../resources/load-resources.js';
import { AppHealth } from './app-health.js';
import { ComponentRegistry, type ComponentStatus } from './component-registry.js';
import { probeBinding, startInputBinding } from './input-bindings.js';
import { Resiliency } from './resiliency.js';
import { Subscriber } from './subscriber.js';
import type { AppIdResolver } from '../app-ids.js';

export interface SidecarDeps {
  env: Record<string, string | undefined>;
  cwd: string;
  log: Logger;
  resolveAppId?: AppIdResolver;
  /** Called when the API asks for shutdown (POST /v1.0/shutdown). */
  onShutdownRequest: () => void;
  /** Output capture (see capture.ts). */
  capture?: CaptureSink;
}

function subscriptionKey(s: SubscriptionSpec): string {
  return `${s.pubsubname}\u0000${s.topic}`;
}

export class Sidecar {
  readonly registry: ComponentRegistry;
  private resiliency = new Resiliency();
  private readonly abort = new AbortController();
  private readonly servers: http.Server[] = [];
  private appChannel: AppChannel | undefined;
  private readonly subscribers: Subscriber[] = [];
  private activeSubscriptions: SubscriptionSpec[] = [];
  private outbound = false;
  private initialised = false;
  private readonly extended = new Map<string, string>();
  private port = 0;
  private grpcApi: GrpcApi | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log: Logger;
  /** Kubernetes Secrets among the resources, filled by start() before components are created. */
  private readonly kubernetesSecrets = new Map<string, Record<string, string>>();

  constructor(
    readonly flags: SidecarFlags,
    private readonly deps: SidecarDeps,
  ) {
    this.log = deps.log;
    this.registry = new ComponentRegistry({
      appId: flags.appId,
      namespace: deps.env.NAMESPACE || undefined,
      podName: deps.env.POD_NAME || undefined,
      cwd: deps.cwd,
      env: deps.env,
      log: deps.log,
      kubernetesSecrets: this.kubernetesSecrets,
    });
  }

  get httpPort(): number {
    return this.port;
  }

  /** The gRPC API port (the real one when --dapr-grpc-port 0 was given). */
  get grpcPort(): number {
    return this.grpcApi?.port ?? 0;
  }

  subscriptions(): SubscriptionSpec[] {
    return [...this.activeSubscriptions];
  }

  components(): ComponentStatus[] {
    return this.registry.statuses();
  }

  get isReady(): boolean {
    return this.initialised;
  }

  /** Loads resources and components and starts the API; resolves when the API listens. */
  async start(): Promise<void> {
    const { flags, log } = this;
    for (const { flag, value } of flags.ignored) log.debug(`flag ${flag}=${value} is accepted for compatibility and has no effect in ofn-local's sidecar`);
    log.info(`starting ofn-local's Dapr sidecar for app id ${flags.appId || '(none)'}`);
    if (!flags.appId) log.warn('no --app-id given: CloudEvents get source "Dapr" and state keys have no prefix');

    const resources = await loadResources(flags.resourcesPaths, { appId: flags.appId, namespace: this.deps.env.NAMESPACE || undefined });
    for (const p of resources.problems) log.error(`skipping a resource in ${p.file} (line ${p.line}): ${p.message}`);
    this.resiliency = new Resiliency(resources.resiliencies, log);
    for (const [k, v] of resources.secrets) this.kubernetesSecrets.set(k, v);
    await this.registry.start(resources.components, resources.invalidComponents);

    const ctx = this.apiContext();
    const apiToken = this.deps.env.DAPR_API_TOKEN || undefined;
    const app = createApiApp(ctx, { apiToken });
    await this.listen(app);
    this.grpcApi = await startGrpcApi(ctx, flags.grpcPort, flags.listenAddresses, { log: log.child('dapr.runtime.grpc.api'), apiToken, onShutdown: () => ctx.shutdown() });
    log.info(`gRPC API listening on port ${this.grpcApi.port}${flags.listenAddresses.length ? ` (${flags.listenAddresses.join(', ')})` : ''}`);
    this.outbound = true;
    log.info(`HTTP API listening on port ${this.port}${flags.listenAddresses.length ? ` (${flags.listenAddresses.join(', ')})` : ''}`);
    if (flags.publicPort !== undefined) {
      const publicApp = createPublicApp(ctx, app, { controlToken: this.deps.env[CONTROL_TOKEN_ENV] || undefined, apiToken });
      await this.listenPublic(publicApp, flags.publicPort, flags.publicListenAddress);
    }

    if (flags.appPort !== undefined) {
      const channelOptions = {
        address: flags.appChannelAddress,
        port: flags.appPort,
        protocol: flags.appProtocol === 'https' ? ('https' as const) : ('http' as const),
        appId: flags.appId,
        apiToken: this.deps.env.APP_API_TOKEN || undefined,
        maxConcurrency: flags.appMaxConcurrency,
        maxBodySize: flags.maxBodySize,
        log: log.child('dapr.runtime.channel'),
      };
      this.appChannel = flags.appProtocol === 'grpc' ? new GrpcAppChannel(channelOptions) : new AppChannel(channelOptions);
      ctx.appChannel = this.appChannel;
    }
    this.pendingDeclarative = resources.subscriptions;
  }

  private pendingDeclarative: SubscriptionSpec[] = [];

  /** Steps 3 to 7 of daprd's start-up; resolves when the sidecar is healthy. */
  async initAppChannel(): Promise<void> {
    const app = this.appChannel;
    const signal = this.abort.signal;
    if (!app) {
      if (this.pendingDeclarative.length > 0) this.log.warn('declarative subscriptions are ignored: no --app-port, so there is no app to deliver to');
      this.initialised = true;
      return;
    }
    await app.waitForPort(signal);
    if (this.flags.appHealth.enabled) {
      const health = new AppHealth(app, this.flags.appHealth, this.log);
      void health.run(signal);
      await Promise.race([health.becameHealthy, new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    }
    if (!(app instanceof GrpcAppChannel)) await this.readAppConfig(app);
    // daprd asks an HTTP app for its subscriptions only when it has a pubsub to subscribe with.
    const hasPubsub = this.registry.statuses().some((c) => c.type.startsWith('pubsub.'));
    const programmatic = app instanceof GrpcAppChannel ? await app.listSubscriptions(signal) : hasPubsub ? await this.readSubscriptions(app) : [];
    const seen = new Set<string>();
    const all: SubscriptionSpec[] = [];
    for (const s of [...programmatic, ...this.pendingDeclarative]) {
      if (seen.has(subscriptionKey(s))) {
        this.log.warn(`duplicate subscription to topic ${s.topic} on pubsub ${s.pubsubname} ignored${s.file ? ` (${s.file})` : ''}`);
        continue;
      }
      seen.add(subscriptionKey(s));
      all.push(s);
    }
    const starts = all.map((s) => this.startSubscription(s, app));
    const bindingStarts = this.registry.inputBindings().map((b) => this.startBinding(b.name, b.route, app));
    await Promise.all([...starts, ...bindingStarts]);
    if (signal.aborted) return;
    this.initialised = true;
    this.log.info('sidecar is ready: the app channel is initialised');
  }

  private async readAppConfig(app: AppChannel): Promise<void> {
    try {
      const answer = await app.request({ method: 'GET', path: '/dapr/config', headers: { 'dapr-app-id': this.flags.appId }, timeoutMs: 5000 });
      if (answer.status === 200) this.log.debug('read the app configuration (actor settings are not used)');
    } catch (err) {
      this.log.debug(`GET /dapr/config failed: ${(err as Error).message}`);
    }
  }

  private async readSubscriptions(app: AppChannel): Promise<SubscriptionSpec[]> {
    try {
      const answer = await app.request({
        method: 'GET',
        path: '/dapr/subscribe',
        headers: { 'content-type': 'application/json', 'dapr-app-id': this.flags.appId },
        timeoutMs: 10_000,
      });
      return parseSubscriptions(answer.status, answer.body, this.log);
    } catch (err) {
      this.log.error(`GET /dapr/subscribe failed: ${(err as Error).message}; no programmatic subscriptions`);
      return [];
    }
  }

  /** Starts now if the pubsub is ready; otherwise in the background once it is. */
  private async startSubscription(spec: SubscriptionSpec, app: AppChannel): Promise<void> {
    const lookup = this.registry.lookup<PubSub>('pubsub', spec.pubsubname);
    if (lookup.kind === 'missing') {
      this.log.error(`the app subscribes to topic ${spec.topic} on pubsub ${spec.pubsubname}, but no such pubsub component is loaded`);
      return;
    }
    const run = async (): Promise<void> => {
      const found = this.registry.lookup<PubSub>('pubsub', spec.pubsubname);
      if (found.kind !== 'ready' || this.abort.signal.aborted) return;
      let subscriber: Subscriber;
      try {
        subscriber = new Subscriber(spec, {
          pubsubName: spec.pubsubname,
          pubsub: found.instance,
          app,
          retry: this.resiliency.componentRetry(spec.pubsubname, 'Pubsub', 'Inbound'),
          log: this.log.child('dapr.runtime.pubsub'),
        });
      } catch (err) {
        this.log.error(`subscription to topic ${spec.topic} on pubsub ${spec.pubsubname} not started: ${(err as Error).message}`);
        return;
      }
      try {
        await subscriber.start();
        this.subscribers.push(subscriber);
        this.activeSubscriptions.push(spec);
      } catch (err) {
        this.log.error(`failed to subscribe to topic ${spec.topic} on pubsub ${spec.pubsubname}: ${(err as Error).message}`);
      }
    };
    if (lookup.kind === 'ready') await run();
    else {
      this.log.warn(`pubsub ${spec.pubsubname} is not ready (${lookup.reason}); the subscription to ${spec.topic} starts when it is`);
      void this.registry.whenReady(spec.pubsubname).then(run);
    }
  }

  private async startBinding(name: string, route: string, app: AppChannel): Promise<void> {
    const run = async (): Promise<void> => {
      const found = this.registry.lookup<Binding>('bindings', name);
      if (found.kind !== 'ready' || this.abort.signal.aborted) return;
      if (app instanceof GrpcAppChannel) {
        // Over gRPC the app says which input bindings it serves (daprd starts only those).
        if (!(await app.listInputBindings(this.abort.signal).catch(() => [] as string[])).includes(name)) {
          this.log.debug(`app does not list input binding ${name} (ListInputBindings)`);
          return;
        }
      } else if (!this.registry.directionHasInput(name)) {
        let probe;
        try {
          probe = await probeBinding(app, route);
        } catch (err) {
          this.log.error(`could not probe the app for input binding ${name} (OPTIONS /${route}): ${(err as Error).message}`);
          return;
        }
        if (probe === 'not-subscribed') {
          this.log.debug(`app has not subscribed to binding ${name} (OPTIONS /${route} did not answer 2xx or 405)`);
          return;
        }
      }
      try {
        await startInputBinding({
          name,
          route,
          binding: found.instance,
          app,
          retry: this.resiliency.componentRetry(name, 'Binding', 'Inbound'),
          log: this.log.child('dapr.runtime.binding'),
          signal: this.abort.signal,
        });
      } catch (err) {
        this.log.error(`failed to start input binding ${name}: ${(err as Error).message}`);
      }
    };
    const lookup = this.registry.lookup<Binding>('bindings', name);
    if (lookup.kind === 'ready') await run();
    else void this.registry.whenReady(name).then(run);
  }

  private apiContext(): ApiContext {
    return {
      flags: this.flags,
      registry: this.registry,
      resiliency: this.resiliency,
      log: this.log.child('dapr.runtime.http'),
      extended: this.extended,
      subscriptions: () => this.subscriptions(),
      outboundReady: () => this.outbound,
      ready: () => this.initialised,
      resolveAppId: this.deps.resolveAppId,
      namespace: this.deps.env.NAMESPACE || 'default',
      capture: this.deps.capture,
      shutdown: () => this.deps.onShutdownRequest(),
    };
  }

  private listenOn(app: http.RequestListener, host: string | undefined, port: number): Promise<http.Server> {
    return new Promise((resolve, reject) => {
      const server = http.createServer({ keepAliveTimeout: 65_000 }, app);
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private async listen(app: http.RequestListener): Promise<void> {
    const hosts = this.flags.listenAddresses.map((h) => h.replace(/^\[(.*)\]$/, '$1'));
    let port = this.flags.httpPort;
    try {
      if (hosts.length === 0) {
        this.servers.push(await this.listenOn(app, undefined, port));
      } else {
        for (const host of hosts) {
          const server = await this.listenOn(app, host, port);
          this.servers.push(server);
          port = (server.address() as AddressInfo).port;
        }
      }
    } catch (err) {
      throw await this.listenError(err, this.flags.httpPort, 'dapr-http-port');
    }
    this.port = (this.servers[0]?.address() as AddressInfo).port;
  }

  private async listenPublic(app: http.RequestListener, port: number, host: string | undefined): Promise<void> {
    try {
      const server = await this.listenOn(app, host?.replace(/^\[(.*)\]$/, '$1'), port);
      this.servers.push(server);
      this.log.info(`public endpoint (health) listening on port ${(server.address() as AddressInfo).port}`);
    } catch (err) {
      throw await this.listenError(err, port, 'dapr-public-port');
    }
  }

  /** A listener that could not start: what already listens is closed, and the error names the flag. */
  private async listenError(err: unknown, port: number, flag: string): Promise<SidecarError> {
    await this.closeServers();
    const code = (err as NodeJS.ErrnoException).code;
    return new SidecarError(
      'ERR_SIDECAR_LISTEN',
      code === 'EADDRINUSE' ? `port ${port} (--${flag}) is already in use` : `cannot listen on port ${port} (--${flag}): ${(err as Error).message}`,
      { where: { port }, cause: err, hint: `pick another --${flag}, or stop what uses it` },
    );
  }

  private async closeServers(): Promise<void> {
    await Promise.all(
      this.servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  /** Stops everything; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort(new Error('sidecar stopping'));
      const errors: unknown[] = [];
      const step = async (f: () => Promise<void>): Promise<void> => {
        try {
          await f();
        } catch (err) {
          errors.push(err);
        }
      };
      await step(async () => {
        await Promise.all(this.subscribers.map((s) => s.stop()));
      });
      await step(() => this.registry.close());
      await step(async () => {
        await this.grpcApi?.close();
      });
      await step(() => this.closeServers());
      this.appChannel?.close();
      this.log.info('sidecar stopped');
      if (errors.length > 0) throw new AggregateError(errors, 'errors while stopping the sidecar');
    })();
    return this.stopping;
  }
}
