/**
 * daprd's command line. Every flag of current daprd (and of 1.11) is accepted so that
 * command lines written for daprd keep working; flags this sidecar does not act on are
 * listed in `ignored` (the caller logs them at debug level). Single-dash long flags
 * (`-app-id x`) are read as double-dash, `--flag=value` and `--flag value` both work.
 */
import { parseGoBool } from '../shared/go-compat/bool.js';
import { parseQuantity } from '../dapr-components/metadata.js';
import { SidecarError } from './errors.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';

export const APP_PROTOCOLS = ['http', 'https', 'grpc', 'grpcs', 'h2c'] as const;
export type AppProtocol = (typeof APP_PROTOCOLS)[number];

export interface AppHealthOptions {
  enabled: boolean;
  path: string;
  intervalMs: number;
  timeoutMs: number;
  threshold: number;
}

export interface SidecarFlags {
  appId: string;
  /** Undefined: no app channel (no subscriptions, no input bindings, no invocation of the app). */
  appPort?: number;
  appProtocol: AppProtocol;
  appChannelAddress: string;
  /** 0 = pick a free port (an ofn-local extension; daprd has no such value). */
  httpPort: number;
  grpcPort: number;
  listenAddresses: string[];
  /**
   * `--dapr-public-port`: daprd's public endpoint (health only, no token), which kubelet probes; in
   * pods it listens on every interface while the API stays on loopback. Undefined: not served.
   */
  publicPort?: number;
  /** `--dapr-public-listen-address`; every interface when empty. */
  publicListenAddress?: string;
  resourcesPaths: string[];
  configPaths: string[];
  logLevel: LogLevel;
  logAsJson: boolean;
  enableApiLogging: boolean;
  maxBodySize: number;
  appMaxConcurrency: number;
  appHealth: AppHealthOptions;
  gracefulShutdownSeconds: number;
  mode: 'standalone';
  /** `--wait`: poll the outbound health endpoint of an already running sidecar, then exit. */
  wait: boolean;
  /** `--version` / `--build-info`: print and exit. */
  version: boolean;
  /** Flags accepted for compatibility that have no effect here, in command-line order. */
  ignored: { flag: string; value: string }[];
}

type Kind = 'string' | 'bool' | 'list';
interface FlagDef {
  kind: Kind;
  /** false: accepted and ignored. */
  used: boolean;
}

const used = (kind: Kind): FlagDef => ({ kind, used: true });
const ignored = (kind: Kind): FlagDef => ({ kind, used: false });

const FLAGS: Record<string, FlagDef> = {
  'app-id': used('string'),
  'app-port': used('string'),
  'app-protocol': used('string'),
  'app-channel-address': used('string'),
  'dapr-http-port': used('string'),
  'dapr-grpc-port': used('string'),
  'dapr-listen-addresses': used('string'),
  'resources-path': used('list'),
  'components-path': used('list'),
  config: used('list'),
  'log-level': used('string'),
  'log-as-json': used('bool'),
  'enable-api-logging': used('bool'),
  'max-body-size': used('string'),
  'dapr-http-max-request-size': used('string'),
  'app-max-concurrency': used('string'),
  'enable-app-health-check': used('bool'),
  'app-health-check-path': used('string'),
  'app-health-probe-interval': used('string'),
  'app-health-probe-timeout': used('string'),
  'app-health-threshold': used('string'),
  'dapr-graceful-shutdown-seconds': used('string'),
  mode: used('string'),
  wait: used('bool'),
  version: used('bool'),
  'build-info': used('bool'),
  'app-ssl': used('bool'),
  // Accepted, no effect here.
  'log-file': ignored('string'),
  'read-buffer-size': ignored('string'),
  'dapr-http-read-buffer-size': ignored('string'),
  'dapr-block-shutdown-duration': ignored('string'),
  'dapr-public-port': used('string'),
  'dapr-public-listen-address': used('string'),
  'enable-metrics': ignored('bool'),
  'metrics-port': ignored('string'),
  'metrics-listen-address': ignored('string'),
  'enable-profiling': ignored('bool'),
  'profile-port': ignored('string'),
  'dapr-internal-grpc-port': ignored('string'),
  'dapr-internal-grpc-listen-address': ignored('string'),
  'placement-host-address': ignored('string'),
  'scheduler-host-address': ignored('string'),
  'scheduler-job-streams': ignored('string'),
  'actors-service': ignored('string'),
  'reminders-service': ignored('string'),
  'actors-disseminate-timeout': ignored('string'),
  'control-plane-address': ignored('string'),
  'sentry-address': ignored('string'),
  'control-plane-namespace': ignored('string'),
  'control-plane-trust-domain': ignored('string'),
  'enable-mtls': ignored('bool'),
  'sentry-request-jwt-audiences': ignored('string'),
  'allowed-origins': ignored('string'),
  'unix-domain-socket': ignored('string'),
  'disable-builtin-k8s-secret-store': ignored('bool'),
  'disable-init-endpoints': ignored('list'),
  'app-binding-options-timeout': ignored('string'),
  'hot-reload-reconcile-interval': ignored('string'),
  'kubeconfig': ignored('string'),
  'trust-anchors-file': ignored('string'),
  'enable-hot-reloading': ignored('bool'),
};

function flagError(message: string): SidecarError {
  return new SidecarError('ERR_SIDECAR_FLAGS', message, { hint: 'the sidecar takes daprd\'s flags, e.g. --app-id my-app --app-port 8080 --resources-path ./components' });
}

/** Splits argv into raw values per flag name; lists keep every occurrence. */
function tokenize(argv: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw flagError(`unexpected argument "${arg}": the sidecar takes only flags`);
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const def = FLAGS[name];
    if (!def) throw flagError(`unknown flag --${name}`);
    let value: string;
    if (eq !== -1) value = body.slice(eq + 1);
    else if (def.kind === 'bool') value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined) throw flagError(`flag --${name} needs a value`);
      value = next;
      i++;
    }
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  return values;
}

function port(name: string, text: string, allowZero: boolean): number {
  if (!/^\d+$/.test(text)) throw flagError(`--${name} must be a port number, got "${text}"`);
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) throw flagError(`--${name} must be a port number between 1 and 65535, got ${text}`);
  return n;
}

function integer(name: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw flagError(`--${name} must be an integer, got "${text}"`);
  return Number(text);
}

export function parseSidecarFlags(argv: readonly string[]): SidecarFlags {
  const values = tokenize(argv);
  const last = (name: string): string | undefined => values.get(name)?.at(-1);
  const bool = (name: string): boolean => {
    const text = last(name);
    if (text === undefined) return false;
    const b = parseGoBool(text);
    if (b === undefined) throw flagError(`--${name} takes true or false, got "${text}"`);
    return b;
  };
  const list = (...names: string[]): string[] =>
    names.flatMap((n) => values.get(n) ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

  const ignoredFlags: SidecarFlags['ignored'] = [];
  for (const [name, vals] of values) {
    if (FLAGS[name]?.used === false) for (const value of vals) ignoredFlags.push({ flag: `--${name}`, value });
  }

  const appProtocolText = (last('app-protocol') ?? 'http').toLowerCase();
  if (!(APP_PROTOCOLS as readonly string[]).includes(appProtocolText)) {
    throw flagError(`--app-protocol must be one of ${APP_PROTOCOLS.join(', ')}, got "${appProtocolText}"`);
  }
  let appProtocol = appProtocolText as AppProtocol;
  if (bool('app-ssl')) {
    if (appProtocol === 'http') appProtocol = 'https';
    if (appProtocol === 'grpc') appProtocol = 'grpcs';
  }
  if (appProtocol === 'grpcs' || appProtocol === 'h2c') {
    throw flagError(
      `--app-protocol ${appProtocol} is not supported by ofn-local's sidecar (it talks HTTP/1.1 or plain gRPC to the app); use --app-protocol http or grpc, or the real daprd`,
    );
  }

  const logLevelText = last('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelText)) {
    throw flagError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelText}"`);
  }

  const mode = last('mode') ?? 'standalone';
  if (mode !== 'standalone') {
    throw flagError(`--mode ${mode} is not supported: ofn-local's sidecar runs in standalone mode only`);
  }

  const appPortText = last('app-port');
  const appPort = appPortText === undefined || appPortText === '' ? undefined : port('app-port', appPortText, false);
  const httpPort = port('dapr-http-port', last('dapr-http-port') ?? '3500', true);
  const grpcPort = port('dapr-grpc-port', last('dapr-grpc-port') ?? '50001', true);
  if (appPort !== undefined && (appPort === httpPort || appPort === grpcPort)) {
    throw flagError(`--app-port ${appPort} may not equal --dapr-http-port or --dapr-grpc-port`);
  }

  let maxBodySize = 4 * 1024 * 1024;
  const legacyBody = last('dapr-http-max-request-size');
  if (legacyBody !== undefined) maxBodySize = integer('dapr-http-max-request-size', legacyBody) * 1024 * 1024;
  const bodyText = last('max-body-size');
  if (bodyText !== undefined) {
    const q = parseQuantity(bodyText);
    if (q === undefined) throw flagError(`--max-body-size must be a quantity such as 4Mi or 16Ki, got "${bodyText}"`);
    maxBodySize = q;
  }

  const appHealth: AppHealthOptions = {
    enabled: bool('enable-app-health-check'),
    path: last('app-health-check-path') ?? '/healthz',
    intervalMs: integer('app-health-probe-interval', last('app-health-probe-interval') ?? '5') * 1000,
    timeoutMs: integer('app-health-probe-timeout', last('app-health-probe-timeout') ?? '500'),
    threshold: integer('app-health-threshold', last('app-health-threshold') ?? '3'),
  };
  if (appHealth.timeoutMs > appHealth.intervalMs) {
    throw flagError('--app-health-probe-timeout (milliseconds) must not be greater than --app-health-probe-interval (seconds)');
  }

  return {
    appId: last('app-id') ?? '',
    appPort,
    appProtocol,
    appChannelAddress: last('app-channel-address') || '127.0.0.1',
    httpPort,
    grpcPort,
    listenAddresses: list('dapr-listen-addresses'),
    publicPort: last('dapr-public-port') ? port('dapr-public-port', last('dapr-public-port')!, true) : undefined,
    publicListenAddress: last('dapr-public-listen-address') || undefined,
    resourcesPaths: list('resources-path', 'components-path'),
    configPaths: list('config'),
    logLevel: logLevelText as LogLevel,
    logAsJson: bool('log-as-json'),
    enableApiLogging: bool('enable-api-logging'),
    maxBodySize,
    appMaxConcurrency: integer('app-max-concurrency', last('app-max-concurrency') ?? '-1'),
    appHealth,
    gracefulShutdownSeconds: integer('dapr-graceful-shutdown-seconds', last('dapr-graceful-shutdown-seconds') ?? '5'),
    mode: 'standalone',
    wait: bool('wait'),
    version: bool('version') || bool('build-info'),
    ignored: ignoredFlags,
  };
}
