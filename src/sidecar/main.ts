/**
 * Entry points of ofn-local's Dapr sidecar.
 *
 * - `runSidecar(argv, opts)`: start one sidecar from daprd's command line, in this process;
 *   resolves once the HTTP API listens (outbound healthy). `ready` resolves when the app
 *   channel is initialised (healthz 204). The daemon uses this in-process or in a child.
 * - `sidecarMain(argv, io)`: the command-line program (`ofn-local sidecar <daprd flags>`
 *   and the bundled `ofn-sidecar.cjs`): `--version`, `--wait`, signals, exit code.
 */
import { SidecarError, errorMessage } from './errors.js';
import { parseSidecarFlags, type SidecarFlags } from './flags.js';
import { createLogger, type LogSink } from './logger.js';
import type { ComponentStatus } from './runtime/component-registry.js';
import { Sidecar } from './runtime/sidecar.js';
import type { SubscriptionSpec } from './resources/load-resources.js';
import { COMPONENT_PLUGINS } from '../dapr-components/index.js';
import { DAPR_COMPAT_VERSION, SIDECAR_VERSION } from './version.js';
import { exitWithParent } from '../shared/parent-watch.js';
import { APP_IDS_ENV, appIdResolver, type AppIdResolver } from './app-ids.js';
import { CAPTURE_ENV, formatCapture, type CaptureSink, type CapturedOutput } from './capture.js';

export interface RunSidecarOptions {
  /** The sidecar's environment (NAMESPACE, DAPR_API_TOKEN, APP_API_TOKEN, secrets…); default process.env. */
  env?: Record<string, string | undefined>;
  /** Working directory for relative paths; default process.cwd(). */
  cwd?: string;
  /** Receives each log line; default: written to stdout. */
  log?: LogSink;
  /** Where another app id is reachable (service invocation to other local apps). */
  resolveAppId?: AppIdResolver;
  /** Sees every output the app sent; default: a capture line on stdout when OFN_LOCAL_CAPTURE=1. */
  capture?: CaptureSink;
}

export interface RunningSidecar {
  readonly appId: string;
  /** The HTTP API port (the real one when --dapr-http-port 0 was given). */
  readonly httpPort: number;
  /** `http://127.0.0.1:<httpPort>`. */
  readonly url: string;
  readonly flags: SidecarFlags;
  /** Resolves when start-up is complete (app reachable, subscriptions and input bindings started). */
  readonly ready: Promise<void>;
  /** Resolves when the sidecar has stopped (stop() or POST /v1.0/shutdown). */
  readonly closed: Promise<void>;
  components(): ComponentStatus[];
  subscriptions(): SubscriptionSpec[];
  /** Calls `listener` on every component status change; returns an unsubscribe function. */
  onComponentStatus(listener: (status: ComponentStatus) => void): () => void;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a sidecar from daprd flags. Throws SidecarError for bad flags, duplicate components or a taken port. */
export async function runSidecar(argv: readonly string[], opts: RunSidecarOptions = {}): Promise<RunningSidecar> {
  const flags = parseSidecarFlags(argv);
  if (flags.version || flags.wait) {
    throw new SidecarError('ERR_SIDECAR_FLAGS', `${flags.version ? '--version' : '--wait'} does not start a sidecar; use sidecarMain() (ofn-local sidecar) for it`);
  }
  const sink: LogSink = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
  const log = createLogger({ level: flags.logLevel, json: flags.logAsJson, appId: flags.appId, sink });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopPromise: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopPromise ??= sidecar.stop().finally(resolveClosed);
    return stopPromise;
  };
  const env = opts.env ?? process.env;
  const capture = opts.capture ?? (env[CAPTURE_ENV] === '1' ? (o: CapturedOutput) => process.stdout.write(`${formatCapture(o)}\n`) : undefined);
  const sidecar = new Sidecar(flags, {
    env,
    capture,
    cwd: opts.cwd ?? process.cwd(),
    log,
    resolveAppId: opts.resolveAppId ?? (env[APP_IDS_ENV] ? appIdResolver(env[APP_IDS_ENV]) : undefined),
    onShutdownRequest: () => void stop().catch((err: unknown) => log.error(errorMessage(err))),
  });
  try {
    await sidecar.start();
  } catch (err) {
    await sidecar.stop().catch(() => {});
    throw err;
  }
  const ready = sidecar.initAppChannel();
  ready.catch((err: unknown) => {
    if (!stopPromise) log.error(`app channel initialisation failed: ${errorMessage(err)}`);
  });
  const httpPort = sidecar.httpPort;
  return {
    appId: flags.appId,
    httpPort,
    url: `http://127.0.0.1:${httpPort}`,
    flags,
    ready,
    closed,
    components: () => sidecar.components(),
    subscriptions: () => sidecar.subscriptions(),
    onComponentStatus: (listener) => sidecar.registry.onStatus(listener),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export interface SidecarIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
}

const defaultIo: SidecarIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** `--wait`: poll GET /v1.0/healthz/outbound on the given port until it answers 204 (at most 60 s). */
async function waitForOutbound(port: number): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1.0/healthz/outbound`);
      if (res.status === 204) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** What `--help` prints. */
export function sidecarUsage(): string {
  return [
    "Usage: ofn-local sidecar [daprd flags]",
    '',
    "ofn-local's Dapr sidecar: the Dapr HTTP and gRPC APIs and app channel of daprd " + DAPR_COMPAT_VERSION + ', in Node.',
    '',
    'Flags (as daprd; single or double dash, --flag value or --flag=value):',
    '  --app-id ID                   app id (CloudEvent source, state key prefix, default consumerID)',
    '  --app-port PORT               port of the app; without it no subscriptions or input bindings',
    '  --app-protocol http|https|grpc protocol of the app channel (default http)',
    '  --app-channel-address HOST    host of the app (default 127.0.0.1)',
    '  --dapr-http-port PORT         HTTP API port (default 3500; 0 = any free port)',
    '  --dapr-grpc-port PORT         gRPC API port (default 50001; 0 = any free port)',
    '  --dapr-listen-addresses LIST  bind addresses of both APIs (default all interfaces)',
    '  --dapr-public-port PORT       public endpoint: health only, no token (default: none)',
    '  --resources-path DIR          folder of Component, Subscription, Resiliency and Secret YAML (repeatable;',
    '                                --components-path is the old name)',
    '  --log-level LEVEL             debug, info, warn, error, fatal (default info)',
    '  --log-as-json                 JSON log lines',
    '  --enable-api-logging          one line per API call',
    '  --max-body-size SIZE          request body limit (default 4Mi)',
    '  --app-max-concurrency N       calls to the app in flight (default unlimited)',
    '  --enable-app-health-check, --app-health-check-path, --app-health-probe-interval,',
    '  --app-health-probe-timeout, --app-health-threshold   app health probes',
    '  --version                     print the version',
    '  --wait                        wait until the sidecar on --dapr-http-port is up, then exit',
    "  every other daprd flag is accepted and ignored (logged at debug level)",
    '',
    `Component types: ${Object.keys(COMPONENT_PLUGINS).join(', ')}`,
    '',
  ].join('\n');
}

/** The command-line program; resolves to the exit code once the sidecar has stopped. */
export async function sidecarMain(argv: readonly string[], io: SidecarIo = defaultIo): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-h' || a === '-help')) {
    io.stdout(sidecarUsage());
    return 0;
  }
  let flags: SidecarFlags;
  try {
    flags = parseSidecarFlags(argv);
  } catch (err) {
    io.stderr(`${errorMessage(err)}\n`);
    if (err instanceof SidecarError && err.hint) io.stderr(`  ${err.hint}\n`);
    return 1;
  }
  if (flags.version) {
    io.stdout(`${SIDECAR_VERSION}\n`);
    return 0;
  }
  if (flags.wait) {
    const ok = await waitForOutbound(flags.httpPort);
    if (!ok) io.stderr(`timed out waiting for the sidecar on port ${flags.httpPort}\n`);
    return ok ? 0 : 1;
  }
  exitWithParent(io.env ?? process.env);
  let sidecar: RunningSidecar;
  try {
    sidecar = await runSidecar(argv, { env: io.env, cwd: io.cwd, log: (line) => io.stdout(`${line}\n`) });
  } catch (err) {
    io.stderr(`ofn-local sidecar: ${errorMessage(err)}\n`);
    if (err instanceof SidecarError && err.hint) io.stderr(`  ${err.hint}\n`);
    return 1;
  }
  if (io.handleSignals !== false) {
    const onSignal = (): void => {
      void sidecar.stop();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void sidecar.closed.then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }
  try {
    await sidecar.closed;
    await sidecar.stop();
  } catch (err) {
    io.stderr(`ofn-local sidecar: ${errorMessage(err)}\n`);
    return 1;
  }
  return 0;
}
