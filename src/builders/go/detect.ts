/**
 * Is a folder a Go function, and what the generated main needs to know about it: decided from a
 * file listing and the text of go.mod and the top-level .go files, as OpenFunction's Go builder
 * decides it (github.com/OpenFunction/builder, cmd/go/of_functions_framework). Pure: the caller
 * lists and reads the files (see {@link goFilesToRead}).
 */
import { GoBuildError } from './errors.js';
import { compareGoVersions, parseGoHeader, parseGoMod, stripGoComments, type GoModReplace } from './go-source.js';

/** The Go functions framework module and the package whose import makes a function "declarative". */
export const GO_FRAMEWORK_MODULE = 'github.com/OpenFunction/functions-framework-go';
export const GO_FUNCTIONS_PACKAGE = `${GO_FRAMEWORK_MODULE}/functions`;

/** The folder under the function's code whose `plugin-*` sub-folders become plugin imports. */
export const GO_PLUGINS_DIR = 'plugins';

/** What the caller knows about the folder. */
export interface GoFolder {
  /** The folder, for messages. */
  dir: string;
  /** Every file in the folder, relative, with `/` separators (sub-folders included). */
  files: readonly string[];
  /** Text of a file named by {@link goFilesToRead}; undefined when it was not read. */
  read: (rel: string) => string | undefined;
}

export interface GoFunctionInfo {
  /** The function's module path (go.mod `module`). */
  module: string;
  /** go.mod's `go` directive, when present. */
  goVersion?: string;
  /** The package at the top of the folder (the builder builds only that one). */
  packageName: string;
  /** The top-level .go files, sorted. */
  goFiles: string[];
  /** Every import path of those files, sorted. */
  imports: string[];
  /** The code imports the framework's `functions` package: the declarative main is generated. */
  declarative: boolean;
  /** The framework version go.mod requires, if it names the framework at all. */
  frameworkVersion?: string;
  /** `plugins/plugin-*` folders that hold at least one file, sorted. */
  plugins: string[];
  /**
   * go.mod `replace` directives. The function's module is built as a dependency of the generated
   * main module, where Go ignores them (on a cluster too): worth a warning.
   */
  ignoredReplaces: GoModReplace[];
}

/** Files at the top of the folder (no `/` in the path). */
function topLevel(files: readonly string[]): string[] {
  return files.filter((f) => !f.includes('/'));
}

/** The top-level .go files, sorted (Go's parser reads all of them, _test.go and ignored ones too). */
export function topLevelGoFiles(files: readonly string[]): string[] {
  return topLevel(files)
    .filter((f) => f.endsWith('.go'))
    .sort();
}

/** go.mod and the top-level .go files: what {@link detectGoFunction} reads. */
export function goFilesToRead(files: readonly string[]): string[] {
  const wanted = topLevelGoFiles(files);
  return files.includes('go.mod') ? ['go.mod', ...wanted] : wanted;
}

/** Whether the folder looks like Go code at all (go.mod or a .go file at the top). */
export function looksLikeGo(files: readonly string[]): boolean {
  return files.includes('go.mod') || topLevelGoFiles(files).length > 0;
}

/** Names of `plugins/plugin-*` folders holding at least one file (the builder skips empty ones). */
export function goPluginFolders(files: readonly string[]): string[] {
  const found = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    if (parts.length >= 3 && parts[0] === GO_PLUGINS_DIR && parts[1]!.startsWith('plugin-')) found.add(parts[1]!);
  }
  return [...found].sort();
}

/** What a Go function folder must hold, for messages that name the files expected. */
export const GO_EXPECTED_FILES = 'go.mod and the package\'s .go files at the top of the folder';

/** Throws a {@link GoBuildError} unless the folder is a Go function; returns what main generation needs. */
export function detectGoFunction(folder: GoFolder): GoFunctionInfo {
  const { dir, files } = folder;
  const goFiles = topLevelGoFiles(files);
  const hasGoMod = files.includes('go.mod');

  if (!hasGoMod && goFiles.length === 0) {
    const seen = topLevel(files).sort();
    const found = seen.length === 0 ? 'the folder is empty' : `found ${listSome(seen)}`;
    throw new GoBuildError(
      'ERR_NOT_GO',
      `no Go function in ${dir}: expected ${GO_EXPECTED_FILES} (${found})`,
      { file: dir },
      'point spec.build.srcRepo (url and sourceSubPath) at the folder holding go.mod, or change spec.build.builder to the builder of the code\'s language',
    );
  }
  if (!hasGoMod) {
    throw new GoBuildError(
      'ERR_GO_NO_MODULE',
      `no go.mod in ${dir} (found ${listSome(goFiles)}): OpenFunction's Go builder builds modules only`,
      { file: `${dir}/go.mod` },
      'run "go mod init example.com/<name>" and then "go mod tidy" in that folder',
    );
  }
  if (goFiles.length === 0) {
    throw new GoBuildError(
      'ERR_NOT_GO',
      `no Go package at the top of ${dir}: expected .go files beside go.mod (the function's package is the one at the module root; sub-folders are not the function)`,
      { file: dir },
      'move the function\'s .go files next to go.mod, or point spec.build.srcRepo.sourceSubPath at the folder that has both',
    );
  }

  const goModText = folder.read('go.mod');
  if (goModText === undefined) throw unread(dir, 'go.mod');
  const mod = parseGoMod(goModText);
  if (!mod.module) {
    throw new GoBuildError('ERR_GO_MODULE', `${dir}/go.mod has no "module" line`, { file: `${dir}/go.mod` }, 'start go.mod with "module example.com/<name>"');
  }
  checkModulePath(mod.module, `${dir}/go.mod`);

  let packageName: string | undefined;
  let packageFile = '';
  const imports = new Set<string>();
  for (const f of goFiles) {
    const text = folder.read(f);
    if (text === undefined) throw unread(dir, f);
    const header = parseGoHeader(text);
    if (!header.ok) {
      throw new GoBuildError('ERR_GO_PACKAGE', `${dir}/${f}:${header.line}: ${header.error}`, { file: `${dir}/${f}`, line: header.line });
    }
    if (packageName === undefined) {
      packageName = header.packageName;
      packageFile = f;
    } else if (header.packageName !== packageName) {
      throw new GoBuildError(
        'ERR_GO_PACKAGE',
        `more than one package at the top of ${dir}: ${packageFile} is package ${packageName}, ${f} is package ${header.packageName} (OpenFunction's Go builder reads every .go file there, _test.go files and files excluded by build tags too)`,
        { file: `${dir}/${f}` },
        'keep one package at the top of the folder: move other packages (and external _test packages) into sub-folders',
      );
    }
    for (const imp of header.imports) imports.add(imp.path);
  }
  if (packageName === 'main') {
    throw new GoBuildError(
      'ERR_GO_PACKAGE',
      `${dir}/${packageFile} is package main: a function's package is imported by the main package OpenFunction's Go builder generates, and a main package cannot be imported`,
      { file: `${dir}/${packageFile}` },
      'rename the package (e.g. "package hello") and drop its func main',
    );
  }

  const framework = mod.requires.find((r) => r.path === GO_FRAMEWORK_MODULE);
  const info: GoFunctionInfo = {
    module: mod.module,
    packageName: packageName!,
    goFiles,
    imports: [...imports].sort(),
    declarative: imports.has(GO_FUNCTIONS_PACKAGE),
    plugins: goPluginFolders(files),
    ignoredReplaces: mod.replaces,
  };
  if (mod.go !== undefined) info.goVersion = mod.go;
  if (framework) info.frameworkVersion = framework.version;
  return info;
}

/**
 * The builder's rule for the function's module path (it becomes a `replace` in the main module):
 * the first path element needs a dot, as in example.com/hello.
 */
export function checkModulePath(modulePath: string, file?: string): void {
  const first = modulePath.split('/')[0] ?? '';
  if (!first.includes('.')) {
    throw new GoBuildError(
      'ERR_GO_MODULE',
      `the module path in ${file ?? 'go.mod'} is "${modulePath}": OpenFunction's Go builder needs a dot in its first element (e.g. example.com/${modulePath.replace(/^.*\//, '') || 'hello'})`,
      file ? { file } : {},
      `change the module line to "module example.com/${modulePath.replace(/^.*\//, '') || 'hello'}"`,
    );
  }
}

/**
 * Whether the package's sources declare `name` at top level (a func, or a var holding a function).
 * Lets a wrong FUNC_NAME be reported by name before the compiler says "undefined".
 */
export function declaresTopLevel(sources: readonly string[], name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const func = new RegExp(`^func\\s+${esc}\\s*[(\\[]`, 'mu');
  const single = new RegExp(`^(?:var|const)\\s+(?:[\\p{L}\\p{Nd}_]+\\s*,\\s*)*${esc}\\b`, 'mu');
  const blockStart = /^(?:var|const)\s*\(/mu;
  for (const src of sources) {
    const code = stripGoComments(src);
    if (func.test(code) || single.test(code)) return true;
    // Names inside var ( ... ) blocks.
    const lines = code.split('\n');
    let inBlock = false;
    for (const line of lines) {
      if (!inBlock && blockStart.test(line)) {
        inBlock = true;
        continue;
      }
      if (inBlock) {
        if (/^\)/.test(line)) inBlock = false;
        else if (new RegExp(`^\\s+(?:[\\p{L}\\p{Nd}_]+\\s*,\\s*)*${esc}\\b`, 'u').test(line)) return true;
      }
    }
  }
  return false;
}

/** The highest of the user's go directive and a floor (the main module must not be older than it). */
export function mainGoVersion(userGo: string | undefined, floor: string): string {
  if (userGo === undefined) return floor;
  return compareGoVersions(userGo, floor) > 0 ? userGo : floor;
}

function unread(dir: string, rel: string): GoBuildError {
  return new GoBuildError('ERR_GO_PACKAGE', `${dir}/${rel} was listed but not read`, { file: `${dir}/${rel}` });
}

function listSome(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
