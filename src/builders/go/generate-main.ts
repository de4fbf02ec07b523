/**
 * The main module OpenFunction's Go builder makes around a function (github.com/OpenFunction/builder,
 * cmd/go/of_functions_framework), rewritten in ofn-local's words. Pure: no I/O.
 *
 * What the builder does, and what this module reproduces:
 * - the function's code goes into a sub-folder (`serverless_function_source_code`) and a main
 *   module `serverless_function_app` is made at the top, which requires the function's module at
 *   v0.0.0 and replaces it with that sub-folder;
 * - when the function's go.mod does not require the framework, the builder's own framework
 *   version is required (FUNC_FRAMEWORK_VERSION overrides it);
 * - main.go comes from one of two templates: when the package imports the framework's
 *   `functions` package it is imported blank and the framework serves what its init()
 *   registered; otherwise the framework is given `<package>.<FUNC_NAME>`;
 * - each non-empty `plugins/plugin-<name>` folder becomes an import whose `Name` and `New()` feed
 *   the framework's plugin map;
 * - then `go mod tidy` and `CGO_ENABLED=0 go build` (see build-plan.ts).
 */
import { GO_FRAMEWORK_MODULE, GO_PLUGINS_DIR, checkModulePath, declaresTopLevel, mainGoVersion } from './detect.js';
import { GoBuildError } from './errors.js';
import { isExportedGoIdentifier, isGoIdentifier } from './go-source.js';

/** Module path of the generated main module (as the builder names it). */
export const GO_MAIN_MODULE = 'serverless_function_app';
/** Sub-folder of the main module that holds (or stands for) the function's code. */
export const GO_SOURCE_SUBDIR = 'serverless_function_source_code';
/** Go version the main module declares at least: the builder's `go mod init` ran Go 1.17. */
export const GO_MAIN_MIN_GO_VERSION = '1.17';
/** The framework version builder-go:latest (v2.4.0-1.17) requires when the code names none. */
export const GO_DEFAULT_FRAMEWORK_VERSION = 'v0.4.0';

/**
 * Framework version each builder-go tag requires when the function's go.mod names none (from the
 * builder's version matrix). Tags not listed get {@link GO_DEFAULT_FRAMEWORK_VERSION}.
 */
const FRAMEWORK_BY_BUILDER_TAG: Record<string, string> = {
  latest: 'v0.4.0',
  'v2.4.0': 'v0.4.0',
  'v2.4.0-1.17': 'v0.4.0',
  'v2.3.0-1.16': 'v0.3.0',
  'v2-1.16': 'v0.2.3',
  'v0.4.0-1.16': 'v0.1.1',
};

/** The framework version a builder-go image would require for code that names none. */
export function frameworkVersionForBuilder(builderImage: string | undefined): string {
  const tag = builderImage ? /:([^:/@]+)(?:@.*)?$/.exec(builderImage)?.[1] ?? 'latest' : 'latest';
  return FRAMEWORK_BY_BUILDER_TAG[tag] ?? GO_DEFAULT_FRAMEWORK_VERSION;
}

export interface GoMainInput {
  /** The function's module path (its go.mod `module`). */
  module: string;
  /** The function's go.mod `go` directive. */
  goVersion?: string;
  /** The package imports `.../functions-framework-go/functions`. */
  declarative: boolean;
  /** spec.build.env.FUNC_NAME as written (undefined when absent). */
  funcName: string | undefined;
  /** Names of `plugins/plugin-*` folders with at least one file. */
  plugins?: readonly string[];
  /** The framework version the function's go.mod requires, if any. */
  userFrameworkVersion?: string;
  /** Required when the function names no framework version: FUNC_FRAMEWORK_VERSION, else the builder's. */
  frameworkVersion?: string;
  /**
   * Where the `replace` points: the function's code relative to the main module (default
   * `./serverless_function_source_code`), or an absolute folder.
   */
  sourceDir?: string;
}

export interface GoPluginImport {
  /** Folder name, e.g. `plugin-custom`. */
  folder: string;
  /** Import alias, e.g. `pluginCustom`. */
  alias: string;
  /** Import path, e.g. `example.com/hello/plugins/plugin-custom`. */
  importPath: string;
}

export interface GoMainModule {
  /** File name → text: `go.mod` and `main.go` of the main module. */
  files: { 'go.mod': string; 'main.go': string };
  /** Which main.go: `declarative` (blank import) or `target` (FUNC_NAME is called). */
  template: 'declarative' | 'target';
  /** The framework version the main module requires. */
  frameworkVersion: string;
  plugins: GoPluginImport[];
}

/** Builds the main module's go.mod and main.go. Throws {@link GoBuildError} for a bad FUNC_NAME or plugin. */
export function generateGoMain(input: GoMainInput): GoMainModule {
  checkModulePath(input.module);
  checkFuncName(input.funcName, { declarative: input.declarative });
  const plugins = goPluginImports(input.module, input.plugins ?? []);
  const frameworkVersion = input.userFrameworkVersion ?? input.frameworkVersion ?? GO_DEFAULT_FRAMEWORK_VERSION;
  const template = input.declarative ? 'declarative' : 'target';
  return {
    files: {
      'go.mod': mainGoMod(input, frameworkVersion),
      'main.go': template === 'declarative' ? declarativeMain(input.module, plugins) : targetMain(input.module, input.funcName!, plugins),
    },
    template,
    frameworkVersion,
    plugins,
  };
}

/**
 * FUNC_NAME as the Go builder uses it. It is required either way: the builder's detect step opts in
 * only when FUNC_NAME is set, and an empty value stops the build. With declarative code any name
 * does (the samples use a name no code declares); otherwise it is pasted into main.go as
 * `<package>.<FUNC_NAME>`, so it must be an exported Go identifier, and, when the package's sources
 * are given, one the package declares.
 */
export function checkFuncName(
  funcName: string | undefined,
  opts: { declarative: boolean; packageName?: string; sources?: readonly string[] },
): void {
  const at = { path: 'spec.build.env.FUNC_NAME' };
  if (funcName === undefined || funcName.trim() === '') {
    throw new GoBuildError(
      'ERR_FUNC_NAME',
      `spec.build.env.FUNC_NAME is ${funcName === undefined ? 'not set' : 'empty'}: OpenFunction's Go builder needs it (${opts.declarative ? 'any name will do, since the code registers its functions with the functions package' : 'the exported Go function to serve'})`,
      at,
      opts.declarative ? 'add FUNC_NAME under spec.build.env, e.g. the name of one registered function' : 'add FUNC_NAME under spec.build.env with the name of the exported function, e.g. "HelloWorld"',
    );
  }
  if (opts.declarative) return;
  if (!isExportedGoIdentifier(funcName)) {
    const why = !isGoIdentifier(funcName)
      ? 'is not a Go identifier'
      : 'is not exported (it must start with an upper-case letter to be called from another package)';
    throw new GoBuildError(
      'ERR_FUNC_NAME',
      `spec.build.env.FUNC_NAME "${funcName}" ${why}: the generated main calls ${opts.packageName ?? 'the package'}.${funcName}`,
      at,
      'set FUNC_NAME to the exported function to serve, or register the function with functions.HTTP/CloudEvent/OpenFunction in an init() of the package',
    );
  }
  if (opts.sources && !declaresTopLevel(opts.sources, funcName)) {
    throw new GoBuildError(
      'ERR_FUNC_NAME',
      `spec.build.env.FUNC_NAME is "${funcName}" but ${opts.packageName ? `package ${opts.packageName}` : 'the package'} declares no ${funcName}: expected func ${funcName}(w http.ResponseWriter, r *http.Request), func ${funcName}(ctx context.Context, e cloudevents.Event) error or func ${funcName}(ctx ofctx.Context, in []byte) (ofctx.Out, error)`,
      at,
      'set FUNC_NAME to a function the package declares, or rename the function',
    );
  }
}

/**
 * The import alias the builder gives a plugin folder: split at "-", keep the first part, and
 * upper-case the first letter of each word of the rest ("plugin-custom" → "pluginCustom").
 */
export function goPluginAlias(folder: string): string {
  const [head, ...rest] = folder.split('-');
  return head + rest.map(titleWords).join('');
}

/** Upper-cases the first letter of every word, as Go's strings.Title (words split at non-letters/digits). */
function titleWords(s: string): string {
  let out = '';
  let prevLetter = false;
  for (const ch of s) {
    const isWordChar = /[\p{L}\p{Nd}_]/u.test(ch);
    out += isWordChar && !prevLetter ? ch.toUpperCase() : ch;
    prevLetter = isWordChar;
  }
  return out;
}

/** The plugin imports for `plugins/<folder>` folders, sorted by folder name as the builder lists them. */
export function goPluginImports(module: string, folders: readonly string[]): GoPluginImport[] {
  const seen = new Map<string, string>();
  const out: GoPluginImport[] = [];
  for (const folder of [...new Set(folders)].filter((f) => f.startsWith('plugin-')).sort()) {
    const alias = goPluginAlias(folder);
    const where = { file: `${GO_PLUGINS_DIR}/${folder}` };
    if (!isGoIdentifier(alias)) {
      throw new GoBuildError(
        'ERR_GO_PLUGIN',
        `plugin folder ${GO_PLUGINS_DIR}/${folder} would be imported as "${alias}", which is not a Go identifier`,
        where,
        'name plugin folders plugin-<letters, digits and dashes>, e.g. plugin-custom',
      );
    }
    const clash = seen.get(alias);
    if (clash !== undefined) {
      throw new GoBuildError(
        'ERR_GO_PLUGIN',
        `plugin folders ${GO_PLUGINS_DIR}/${clash} and ${GO_PLUGINS_DIR}/${folder} would both be imported as "${alias}"`,
        where,
        'rename one of the two folders',
      );
    }
    seen.set(alias, folder);
    out.push({ folder, alias, importPath: `${module}/${GO_PLUGINS_DIR}/${folder}` });
  }
  return out;
}

function mainGoMod(input: GoMainInput, frameworkVersion: string): string {
  const source = input.sourceDir ?? `./${GO_SOURCE_SUBDIR}`;
  const target = /[\s"]/.test(source) ? JSON.stringify(source) : source;
  const goVersion = mainGoVersion(input.goVersion, GO_MAIN_MIN_GO_VERSION);
  return [
    '// Written by ofn-local for every build, as OpenFunction\'s Go builder writes it: this module holds',
    '// the generated main package and builds the function\'s module as a dependency.',
    `module ${GO_MAIN_MODULE}`,
    '',
    `go ${goVersion}`,
    '',
    'require (',
    `\t${input.module} v0.0.0`,
    `\t${GO_FRAMEWORK_MODULE} ${frameworkVersion}`,
    ')',
    '',
    `replace ${input.module} v0.0.0 => ${target}`,
    '',
  ].join('\n');
}

const HEADER = [
  '// Code generated by ofn-local; DO NOT EDIT.',
  '//',
];

function importBlock(userImport: string, plugins: readonly GoPluginImport[]): string[] {
  return [
    'import (',
    '\t"context"',
    '',
    `\t"${GO_FRAMEWORK_MODULE}/framework"`,
    `\t"${GO_FRAMEWORK_MODULE}/plugin"`,
    '\t"k8s.io/klog/v2"',
    '',
    `\t${userImport}`,
    ...plugins.map((p) => `\t${p.alias} "${p.importPath}"`),
    ')',
  ];
}

function pluginsFunc(plugins: readonly GoPluginImport[]): string[] {
  return [
    '// userPlugins lists the plugins found in the function\'s plugins/plugin-* folders.',
    'func userPlugins() map[string]plugin.Plugin {',
    ...(plugins.length === 0
      ? ['\tfound := map[string]plugin.Plugin{}']
      : ['\tfound := map[string]plugin.Plugin{', ...plugins.map((p) => `\t\t${p.alias}.Name: ${p.alias}.New(),`), '\t}']),
    '\tif len(found) == 0 {',
    '\t\treturn nil',
    '\t}',
    '\treturn found',
    '}',
  ];
}

function declarativeMain(module: string, plugins: readonly GoPluginImport[]): string {
  return mainFile(
    [
      '// Entry point for a function whose package registers its handlers in init() with the',
      '// functions package (HTTP, CloudEvent, OpenFunction). The package is imported for that side',
      '// effect only; the framework serves every registered function, or the one FUNCTION_TARGET',
      '// names at run time.',
    ],
    `_ "${module}"`,
    [],
    plugins,
  );
}

function targetMain(module: string, funcName: string, plugins: readonly GoPluginImport[]): string {
  return mainFile(
    [
      `// Entry point for a function named by FUNC_NAME: the framework is handed ${funcName} and serves`,
      '// it with the signature it has (HTTP, CloudEvent or OpenFunction).',
    ],
    `userfunction "${module}"`,
    [`\tif err := fw.Register(ctx, userfunction.${funcName}); err != nil {`, '\t\tklog.Exit(err)', '\t}'],
    plugins,
  );
}

/** main.go of both templates: the framework made, the plugins registered, `register` lines, then started. */
function mainFile(comment: string[], userImport: string, register: string[], plugins: readonly GoPluginImport[]): string {
  return [
    ...HEADER,
    ...comment,
    'package main',
    '',
    ...importBlock(userImport, plugins),
    '',
    'func main() {',
    '\tctx := context.Background()',
    '\tfw, err := framework.NewFramework()',
    '\tif err != nil {',
    '\t\tklog.Exit(err)',
    '\t}',
    '\tfw.RegisterPlugins(userPlugins())',
    ...register,
    '\tif err := fw.Start(ctx); err != nil {',
    '\t\tklog.Exit(err)',
    '\t}',
    '}',
    '',
    ...pluginsFunc(plugins),
    '',
  ].join('\n');
}
