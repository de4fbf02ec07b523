/**
 * A loaded project as the manifests to `kubectl apply` on an OpenFunction 1.x cluster: one
 * Function per function (v1beta2, or v1beta1 as the conversion webhook writes it), the
 * standalone Dapr Components, EventSources, event buses, Triggers, Gateways and Deployments. Pure and
 * deterministic: the same project and options give the same bytes, and exporting what was
 * exported gives the same bytes again.
 */
import path from 'node:path';
import type { JsonObject, LoadedFunction, Project } from '../model/index.js';
import { functionComponentNotes, localAddressNotes } from './cluster-notes.js';
import { functionManifest } from './function-manifest.js';
import { orderKeys } from './key-order.js';
import { localConfigNotes } from './local-config.js';
import { Notes, subjectOf } from './notes.js';
import { otherManifest } from './other-manifest.js';
import { renderYaml } from './render-yaml.js';
import { toV1beta1 } from './to-v1beta1.js';
import type { ExportOptions, ExportResult, ExportedDocument } from './types.js';

/** Apply order: what others refer to first. */
const KIND_ORDER = ['Component', 'Configuration', 'ClusterEventBus', 'EventBus', 'Gateway', 'Function', 'Deployment', 'Service', 'EventSource', 'Trigger'];

interface Item {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  object: JsonObject;
  /** Where it was read, for duplicate messages. */
  from: string;
}

export function exportProject(project: Project, opts: ExportOptions = {}): ExportResult {
  const notes = new Notes();
  const cwd = opts.cwd ?? project.root;
  const show = (absolute: string) => path.relative(cwd, absolute) || '.';
  if (opts.localConfig) localConfigNotes(opts.localConfig, show, notes);

  const items: Item[] = [];
  const repositories = imageRepositories(project.functions);
  for (const fn of project.functions) {
    const subject = subjectOf('Function', fn.namespace, fn.name);
    const source = fn.source.kind === 'local' ? fn.source.dir : undefined;
    let object = functionManifest(fn, {
      ...(opts.registry !== undefined ? { registry: opts.registry } : {}),
      repository: repositories.get(fn) ?? fn.name,
      ...(source && opts.git?.get(source) ? { git: opts.git.get(source) } : {}),
      show,
      notes,
    });
    if (opts.apiVersion === 'v1beta1') object = toV1beta1(object, subject, notes);
    functionComponentNotes(object, subject, notes);
    localAddressNotes(object, subject, notes);
    items.push({
      apiVersion: String(object['apiVersion']),
      kind: 'Function',
      name: fn.name,
      namespace: fn.namespace,
      object,
      from: `${show(fn.origin.file)} [doc ${fn.origin.doc}]`,
    });
  }

  const eventBuses = new Set(
    project.others.flatMap((o) =>
      o.kind === 'EventBus' ? [`${o.namespace}/${o.name}`] : o.kind === 'ClusterEventBus' ? [o.name] : [],
    ),
  );
  for (const other of project.others) {
    if (other.kind === 'Secret') {
      // Secret values do not belong in generated manifests: the cluster gets its own.
      notes.add(subjectOf(other.kind, other.namespace, other.name), undefined, 'not exported: create this Secret in the cluster the way you manage secrets there');
      continue;
    }
    const object = otherManifest(other, { eventBuses, notes });
    localAddressNotes(object, subjectOf(other.kind, other.namespace, other.name), notes);
    items.push({
      apiVersion: other.apiVersion,
      kind: other.kind,
      name: other.name,
      namespace: other.namespace,
      object,
      from: `${show(other.origin.file)} [doc ${other.origin.doc}]`,
    });
  }

  // Deployments go to the cluster as written (what a cluster writes itself left out, the namespace written out).
  for (const d of project.deployments) {
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, namespace: d.namespace, origin: d.origin, resource: d.resource };
    const object = otherManifest(other, { eventBuses, notes });
    localAddressNotes(object, subjectOf(other.kind, other.namespace, other.name), notes);
    items.push({ ...other, object, from: `${show(d.origin.file)} [doc ${d.origin.doc}]` });
  }

  const fileNames = new Set<string>();
  const documents = withoutDuplicates(items, notes)
    .sort(compareItems)
    .map((item): ExportedDocument => {
      const object = orderKeys(item.object);
      return {
        apiVersion: item.apiVersion,
        kind: item.kind,
        name: item.name,
        namespace: item.namespace,
        fileName: uniqueFileName(fileNameOf(item.kind, item.namespace, item.name), fileNames),
        object,
        yaml: renderYaml(object),
      };
    });
  return { documents, warnings: notes.lines };
}

/**
 * The image repository of each function ofn-local builds: its name, or `<namespace>-<name>` when
 * functions of the same name in several namespaces would otherwise push to the same image.
 */
export function imageRepositories(functions: LoadedFunction[]): Map<LoadedFunction, string> {
  const count = new Map<string, number>();
  for (const fn of functions) count.set(fn.name, (count.get(fn.name) ?? 0) + 1);
  return new Map(functions.map((fn) => [fn, (count.get(fn.name) ?? 0) > 1 ? `${fn.namespace}-${fn.name}` : fn.name]));
}

/** Two manifests of the same kind, namespace and name: the cluster keeps the last applied; we keep the first. */
function withoutDuplicates(items: Item[], notes: Notes): Item[] {
  const seen = new Map<string, Item>();
  const kept: Item[] = [];
  for (const item of items) {
    const key = `${item.kind} ${item.namespace}/${item.name}`;
    const first = seen.get(key);
    if (first) {
      notes.add(
        subjectOf(item.kind, item.namespace, item.name),
        undefined,
        `defined twice (${first.from} and ${item.from}): exported the first; remove the other`,
      );
      continue;
    }
    seen.set(key, item);
    kept.push(item);
  }
  return kept;
}

function compareItems(a: Item, b: Item): number {
  const rank = (kind: string) => {
    const i = KIND_ORDER.indexOf(kind);
    return i === -1 ? KIND_ORDER.length : i;
  };
  return rank(a.kind) - rank(b.kind) || compare(a.kind, b.kind) || compare(a.namespace, b.namespace) || compare(a.name, b.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `base`, or `base` with `-2`, `-3`, ... before `.yaml` when taken (namespace `a-b` + name `c` vs `a` + `b-c`). */
function uniqueFileName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = base.replace(/\.yaml$/, `-${n}.yaml`);
  taken.add(name);
  return name;
}

/** `function-default-hello.yaml`; cluster-scoped kinds have no namespace part. */
export function fileNameOf(kind: string, namespace: string, name: string): string {
  const safe = (text: string) => text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return `${[safe(kind), ...(namespace ? [safe(namespace)] : []), safe(name)].join('-')}.yaml`;
}
