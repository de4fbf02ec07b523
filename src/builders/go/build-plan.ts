/**
 * The Go commands a build runs in the generated main module, and their environment, as OpenFunction's
 * Go builder runs them (cmd/go/of_functions_framework then cmd/go/build). Pure: the caller spawns.
 *
 * - `go mod tidy` resolves the module graph and writes go.sum (the builder always runs it). On a
 *   rebuild, `go build -mod=mod` alone does the same bookkeeping for what the build needs, with far
 *   fewer downloads (measured: 232 go.sum lines and 243 MB of module cache instead of 2616 lines and
 *   294 MB for a functions-framework-go v0.5.0 function), and rewrites go.mod the same way.
 * - `go build` with CGO_ENABLED=0 (a static binary), `-gcflags`/`-ldflags` from FUNC_GOGCFLAGS and
 *   FUNC_GOLDFLAGS, package `.`.
 * - FUNC_GOPROXY, when set, becomes GOPROXY for both; otherwise the user's own Go settings apply.
 */
import path from 'node:path';

/** Go settings taken from the user's environment when set (module fetching, auth, flags). */
export const GO_PASSTHROUGH_ENV = [
  'GOPROXY',
  'GOPRIVATE',
  'GONOPROXY',
  'GONOSUMDB',
  'GONOSUMCHECK',
  'GOSUMDB',
  'GOINSECURE',
  'GOFLAGS',
  'GOAUTH',
  'GOVCS',
  'GOTOOLCHAIN',
  'NETRC',
  'HOME',
  'PATH',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSH_COMMAND',
  'GIT_CONFIG_GLOBAL',
] as const;

export interface GoToolEnvInput {
  /** spec.build.env. */
  buildEnv: Readonly<Record<string, string>>;
  /** The environment ofn-local runs in (the user's). */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** Module cache shared by every build and kept across runs. */
  modCache: string;
  /** Build cache shared by every build and kept across runs. */
  buildCache: string;
}

/** Environment for `go mod tidy` and `go build`. */
export function goToolEnv(input: GoToolEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of GO_PASSTHROUGH_ENV) {
    const v = input.hostEnv[name];
    if (v !== undefined) env[name] = v;
  }
  const proxy = input.buildEnv.FUNC_GOPROXY;
  if (proxy !== undefined && proxy !== '') env.GOPROXY = proxy;
  env.GOMODCACHE = input.modCache;
  env.GOCACHE = input.buildCache;
  env.CGO_ENABLED = '0';
  // The module cache is removable without a chmod dance, and a checkout's VCS state never fails a build.
  env.GOFLAGS = joinFlags(env.GOFLAGS, ['-modcacherw', '-buildvcs=false']);
  return env;
}

/** `go mod tidy`: the builder's step that resolves the graph and writes go.sum. */
export const GO_TIDY_ARGS: readonly string[] = ['mod', 'tidy'];

/**
 * `go build` arguments: FUNC_GOGCFLAGS/FUNC_GOLDFLAGS as the builder passes them, `-mod=mod` so a
 * build after a changed import updates go.mod/go.sum instead of failing, output to `out`.
 */
export function goBuildArgs(buildEnv: Readonly<Record<string, string>>, out: string, opts: { modMod?: boolean } = {}): string[] {
  const args = ['build'];
  if (opts.modMod !== false) args.push('-mod=mod');
  if (buildEnv.FUNC_GOGCFLAGS) args.push('-gcflags', buildEnv.FUNC_GOGCFLAGS);
  if (buildEnv.FUNC_GOLDFLAGS) args.push('-ldflags', buildEnv.FUNC_GOLDFLAGS);
  args.push('-o', out, '.');
  return args;
}

/** The framework version the build asks for: FUNC_FRAMEWORK_VERSION when set. */
export function frameworkVersionFromEnv(buildEnv: Readonly<Record<string, string>>): string | undefined {
  const v = buildEnv.FUNC_FRAMEWORK_VERSION?.trim();
  return v ? v : undefined;
}

export interface GoCompileError {
  /** The file relative to the function's folder; as printed when outside it (a dependency). */
  file: string;
  line: number;
  column?: number;
  message: string;
  /** The error is in the generated main.go (e.g. "undefined: userfunction.X": a wrong FUNC_NAME). */
  inGeneratedMain: boolean;
}

/**
 * Compiler errors in `go build` output ("path/file.go:12:5: message"), for showing file and line.
 * Go prints paths relative to the folder it ran in (the main module, `mainDir`), e.g.
 * `serverless_function_source_code/hello.go` or `../src/hello.go`; those inside `sourceDir` come
 * back relative to it. Both folders are absolute.
 */
export function parseGoBuildErrors(output: string, dirs: { mainDir: string; sourceDir: string }): GoCompileError[] {
  const errors: GoCompileError[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^([^\s:][^:]*\.go):(\d+)(?::(\d+))?: (.*)$/.exec(line.trim());
    if (!m) continue;
    const abs = path.resolve(dirs.mainDir, m[1]!);
    const rel = path.relative(dirs.sourceDir, abs);
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    const err: GoCompileError = {
      file: inside ? rel.split(path.sep).join('/') : m[1]!,
      line: Number(m[2]),
      message: m[4]!,
      inGeneratedMain: abs === path.resolve(dirs.mainDir, 'main.go'),
    };
    if (m[3] !== undefined) err.column = Number(m[3]);
    errors.push(err);
  }
  return errors;
}

function joinFlags(existing: string | undefined, add: readonly string[]): string {
  const have = (existing ?? '').split(/\s+/).filter(Boolean);
  for (const flag of add) {
    const key = flag.split('=')[0]!;
    if (!have.some((h) => h.split('=')[0] === key)) have.push(flag);
  }
  return have.join(' ');
}
