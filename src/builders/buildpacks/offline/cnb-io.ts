/**
 * What a buildpack program reads and writes under the Buildpack API (0.8): the platform's env files,
 * layer metadata files (`<layers>/<name>.toml`), layer env files and `launch.toml`. Runs inside the
 * builder image (bundled for Node 18 by scripts/bundle-buildpacks.mjs); the few TOML shapes it
 * needs are written and read here, by hand.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `<platform>/env/NAME` files: the build env a platform gives (OpenFunction's FUNC_* variables). */
export function readPlatformEnv(platformDir: string): Record<string, string> {
  const dir = path.join(platformDir, 'env');
  const env: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return env;
  }
  for (const name of names) env[name] = readFileSync(path.join(dir, name), 'utf8');
  return env;
}

export interface LayerTypes {
  launch?: boolean;
  build?: boolean;
  cache?: boolean;
}

/** A TOML basic string (JSON's escapes are TOML's, for the characters these files hold). */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** Writes `<layers>/<name>.toml`: the layer's types and flat string metadata. */
export function writeLayerToml(layersDir: string, name: string, types: LayerTypes, metadata: Record<string, string>): void {
  const lines = ['[types]'];
  lines.push(`  launch = ${Boolean(types.launch)}`, `  build = ${Boolean(types.build)}`, `  cache = ${Boolean(types.cache)}`, '', '[metadata]');
  for (const [k, v] of Object.entries(metadata)) lines.push(`  ${k} = ${tomlString(v)}`);
  writeFileSync(path.join(layersDir, `${name}.toml`), lines.join('\n') + '\n');
}

/**
 * The `[metadata]` string values of a layer restored from the cache (or the previous image), or
 * undefined when the layer was not restored.
 */
export function readLayerMetadata(layersDir: string, name: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(layersDir, `${name}.toml`), 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*")$/.exec(line);
    if (section === 'metadata' && kv) out[kv[1]!] = JSON.parse(kv[2]!) as string;
  }
  return out;
}

/** A layer folder, emptied unless `keep` (a restored cache layer is kept). */
export function layerDir(layersDir: string, name: string, keep: boolean): string {
  const dir = path.join(layersDir, name);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `env.launch/NAME` (override) or `NAME.default` files of a layer. */
export function writeLaunchEnv(layer: string, env: Record<string, string>, mode: 'override' | 'default' = 'override'): void {
  const dir = path.join(layer, 'env.launch');
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(env)) writeFileSync(path.join(dir, mode === 'override' ? `${k}.override` : `${k}.default`), v);
}

export interface LaunchProcess {
  type: string;
  command: string;
  args: string[];
  default?: boolean;
}

/** `<layers>/launch.toml` (Buildpack API 0.8: command a string, args a list, direct). */
export function writeLaunchToml(layersDir: string, processes: LaunchProcess[], labels: Record<string, string> = {}): void {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(labels)) lines.push('[[labels]]', `  key = ${tomlString(key)}`, `  value = ${tomlString(value)}`, '');
  for (const p of processes) {
    lines.push(
      '[[processes]]',
      `  type = ${tomlString(p.type)}`,
      `  command = ${tomlString(p.command)}`,
      `  args = [${p.args.map(tomlString).join(', ')}]`,
      '  direct = true',
      `  default = ${Boolean(p.default)}`,
      '',
    );
  }
  writeFileSync(path.join(layersDir, 'launch.toml'), lines.join('\n'));
}

/** Detect's verdicts (Buildpack API): 0 passes, 100 does not apply; anything else is an error. */
export const DETECT_PASS = 0;
export const DETECT_FAIL = 100;

/** A line on stderr that the lifecycle driver recognises as the buildpack's own error message. */
export function failBuild(buildpack: string, message: string): never {
  process.stderr.write(`ofn-local buildpack ${buildpack} error: ${message}\n`);
  process.exit(1);
}
