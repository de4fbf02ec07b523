import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { DaprPlan } from '../model/dapr-plan.js';
import type { AccessControlList } from '../shared/access-control.js';

/**
 * Writes a function's Dapr Component files into `<state>/dapr/<ns>-<name>/` (the sidecar's
 * `--resources-path`), one file per component, replacing what an earlier build wrote.
 */
export async function writeDaprResources(
  stateDir: string,
  namespace: string,
  name: string,
  plan: DaprPlan,
  /** `host:port` → where that backing service really listens (process runtime: a host port). */
  addresses: ReadonlyMap<string, string> = new Map(),
  /** A function's cluster host names (`fn.ns.svc.cluster.local`, `fn.ns.svc`, `fn.ns`) → `host:port` of its local stand-in. */
  functions: ReadonlyMap<string, string> = new Map(),
): Promise<string> {
  const dir = path.join(stateDir, 'dapr', `${namespace}-${name}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const component of plan.components) {
    const componentName = (component.metadata as { name: string }).name;
    await writeFile(path.join(dir, `${componentName}.yaml`), stringify(pointAtFunctions(pointAtServices(component, addresses), functions)));
  }
  return dir;
}

/**
 * The project's app ids (`<fn>-<ns>` of every sync function) → `host:port` of each one's local
 * stand-in, as pods reach it: the sidecars' name resolution (sidecar/app-ids.ts). Written atomically
 * (renamed in) so a sidecar never reads half a file; returns its path.
 */
/** One app id in the file the sidecars read (src/sidecar/app-ids.ts reads it). */
export interface AppIdFileEntry {
  address?: string;
  protocol: 'http' | 'grpc';
  trustDomain: string;
  accessControl?: AccessControlList;
}

export async function writeAppIds(stateDir: string, ids: Map<string, AppIdFileEntry>): Promise<string> {
  const dir = path.join(stateDir, 'dapr', '_app-ids');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'app-ids.json');
  // Concurrent builds each write their own scratch file: the last rename wins, and all hold the same ids.
  const scratch = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(scratch, JSON.stringify(Object.fromEntries([...ids].sort(([a], [b]) => a.localeCompare(b))), null, 2));
  await rename(scratch, file);
  return file;
}

/** Replaces backing services' `host:port` in metadata values (`redis:6379`, `tcp://emqx:1883`). */
function pointAtServices<T>(value: T, addresses: ReadonlyMap<string, string>): T {
  if (addresses.size === 0) return value;
  if (typeof value === 'string') {
    let out: string = value;
    for (const [from, to] of addresses) out = out.split(from).join(to);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => pointAtServices(v, addresses)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pointAtServices(v, addresses)])) as T;
  }
  return value;
}

/** `http://<fn>.<ns>.svc.cluster.local[:80]/x` (a bindings.http url) → the function's local address, path kept. */
function pointAtFunctions<T>(value: T, functions: ReadonlyMap<string, string>): T {
  if (functions.size === 0) return value;
  if (typeof value === 'string') return localFunctionUrl(value, functions) as T;
  if (Array.isArray(value)) return value.map((v) => pointAtFunctions(v, functions)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pointAtFunctions(v, functions)])) as T;
  }
  return value;
}

export function localFunctionUrl(url: string, functions: ReadonlyMap<string, string>): string {
  const m = /^http:\/\/([^/:?#]+)(?::80)?([/?#].*)?$/i.exec(url);
  const target = m && functions.get(m[1]!.toLowerCase());
  return target ? `http://${target}${m[2] ?? '/'}` : url;
}

/** The host names a cluster gives a function's in-cluster address. */
export function clusterHostNames(namespace: string, name: string): string[] {
  return [`${name}.${namespace}.svc.cluster.local`, `${name}.${namespace}.svc`, `${name}.${namespace}`];
}
