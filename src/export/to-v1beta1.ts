/**
 * A v1beta2 Function written as `core.openfunction.io/v1beta1`, the way OpenFunction 1.2's
 * conversion webhook maps the hub version back (`ConvertFrom`), for clusters that still take
 * v1beta1. What v1beta1 cannot say is reported (the cluster converts the v1beta1 object back to
 * v1beta2 for storage, so whatever is lost here is lost on the cluster). Where the webhook would
 * write an empty input/output name or crash, the evident intent is followed; both choices give
 * the same v1beta2 object back.
 */
import { Document } from 'yaml';
import type { FieldPath, JsonObject } from '../model/index.js';
import type { Notes } from './notes.js';

export const FUNCTION_V1BETA1 = 'core.openfunction.io/v1beta1';

const PLUGINS_ANNOTATION = 'plugins';
const PLUGINS_TRACING_ANNOTATION = 'plugins.tracing';

export function toV1beta1(v1beta2: JsonObject, subject: string, notes: Notes): JsonObject {
  const src = structuredClone(v1beta2);
  const srcSpec = asObject(src['spec']) ?? {};
  const metadata: JsonObject = { ...asObject(src['metadata']) };
  const spec: JsonObject = {};
  const lost = (path: FieldPath, what: string) =>
    notes.add(subject, path, `${what}: v1beta1 cannot express it, so the cluster drops it (export without --api-version v1beta1 to keep it)`);

  copy(srcSpec, spec, ['version', 'image', 'imageCredentials', 'workloadRuntime']);

  const serving = asObject(srcSpec['serving']);
  if (serving) spec['serving'] = convertServing(serving, spec, metadata, lost, subject, notes);
  const build = asObject(srcSpec['build']);
  if (build) spec['build'] = convertBuild(build, lost, subject, notes);

  return { apiVersion: FUNCTION_V1BETA1, kind: 'Function', metadata: dropEmpty(metadata), spec };
}

type Lost = (path: FieldPath, what: string) => void;

function convertServing(
  src: JsonObject,
  spec: JsonObject,
  metadata: JsonObject,
  lost: Lost,
  subject: string,
  notes: Notes,
): JsonObject {
  const at = (...rest: FieldPath): FieldPath => ['spec', 'serving', ...rest];
  const out: JsonObject = {};
  copy(src, out, ['pubsub', 'bindings', 'params', 'labels', 'annotations', 'template', 'timeout']);

  const triggers = asObject(src['triggers']);
  const http = asObject(triggers?.['http']);
  const dapr = triggers?.['dapr'];
  if (http) {
    out['runtime'] = 'knative';
    if (http['port'] !== undefined) spec['port'] = http['port'];
    const route = asObject(http['route']);
    if (route) {
      const converted: JsonObject = {};
      copy(route, converted, ['hostnames', 'rules']);
      const gatewayRef = asObject(route['gatewayRef']);
      if (gatewayRef) converted['gatewayRef'] = dropEmpty({ name: gatewayRef['name'], namespace: gatewayRef['namespace'] });
      spec['route'] = converted;
    }
    if (http['engine'] !== undefined) lost(at('triggers', 'http', 'engine'), `engine ${JSON.stringify(http['engine'])}`);
    if (Array.isArray(dapr) && dapr.length > 0) lost(at('triggers', 'dapr'), 'dapr triggers beside an http trigger');
  } else if (Array.isArray(dapr)) {
    out['runtime'] = 'async';
    out['inputs'] = dapr.map((item) => {
      const trigger = asObject(item) ?? {};
      const input: JsonObject = {
        // The webhook writes inputName (empty when unset); the component name is what FUNC_CONTEXT keys it by then.
        name: trigger['inputName'] ?? trigger['name'],
        component: trigger['name'],
      };
      if (trigger['topic'] !== undefined) input['topic'] = trigger['topic'];
      return input;
    });
  }
  const inputs = triggers?.['inputs'];
  if (Array.isArray(inputs) && inputs.length > 0) lost(at('triggers', 'inputs'), 'triggers.inputs (extra Dapr inputs)');

  const scaleOptions = asObject(src['scaleOptions']);
  if (scaleOptions) out['scaleOptions'] = convertScaleOptions(src, scaleOptions, out, lost);
  else if (src['workloadType'] !== undefined && src['workloadType'] !== 'Deployment') {
    lost(at('workloadType'), `workloadType ${JSON.stringify(src['workloadType'])} without scaleOptions.keda.scaledObject`);
  }

  const outputs = src['outputs'];
  if (Array.isArray(outputs)) {
    const defined = new Set([...Object.keys(asObject(src['bindings']) ?? {}), ...Object.keys(asObject(src['pubsub']) ?? {})]);
    const converted: JsonObject[] = [];
    outputs.forEach((item, i) => {
      const output = asObject(asObject(item)?.['dapr']);
      if (!output) {
        lost(at('outputs', i), 'an output without dapr');
        return;
      }
      const component = output['name'];
      const entry: JsonObject = { name: output['outputName'] ?? component, component };
      if (output['metadata'] !== undefined) entry['params'] = output['metadata'];
      if (output['operation'] !== undefined) entry['operation'] = output['operation'];
      if (output['topic'] !== undefined) entry['topic'] = output['topic'];
      if (typeof component !== 'string' || !defined.has(component)) {
        // A v1beta1 output names no type; converting back keeps only outputs whose component this
        // Function defines, so the cluster would drop it. Leave it out, so the file says what the cluster keeps.
        lost(at('outputs', i), `output to component "${String(component)}", not defined in this Function's bindings or pubsub`);
        return;
      }
      converted.push(entry);
    });
    if (converted.length > 0) out['outputs'] = converted;
  }

  const states = asObject(src['states']);
  if (states) {
    const converted: JsonObject = {};
    for (const [name, value] of Object.entries(states)) {
      const stateSpec = asObject(value)?.['spec'];
      if (stateSpec === undefined) {
        lost(at('states', name), `state store "${name}" without spec (a reference to an existing Component)`);
      } else {
        converted[name] = stateSpec;
      }
    }
    if (Object.keys(converted).length > 0) out['states'] = converted;
  }

  const hooks = asObject(src['hooks']);
  if (hooks) {
    const annotations = { ...asObject(metadata['annotations']) };
    annotations[PLUGINS_ANNOTATION] = yamlV3Text(dropEmpty({ pre: hooks['pre'], post: hooks['post'] }));
    metadata['annotations'] = annotations;
    if (hooks['policy'] !== 'Override') {
      notes.add(
        subject,
        at('hooks', 'policy'),
        `${hooks['policy'] === undefined ? 'not set (Append)' : JSON.stringify(hooks['policy'])}: v1beta1's plugins annotation comes back as policy Override, ` +
          "so the cluster's global hooks are no longer added (export without --api-version v1beta1 to keep them)",
      );
    }
  }
  const tracing = asObject(src['tracing']);
  if (tracing) {
    const annotations = { ...asObject(metadata['annotations']) };
    annotations[PLUGINS_TRACING_ANNOTATION] = yamlV3Text(tracingInGoOrder(tracing));
    metadata['annotations'] = annotations;
  }
  return out;
}

function convertScaleOptions(serving: JsonObject, src: JsonObject, out: JsonObject, lost: Lost): JsonObject {
  const at = (...rest: FieldPath): FieldPath => ['spec', 'serving', ...rest];
  const scale: JsonObject = {};
  copy(src, scale, ['maxReplicas', 'minReplicas', 'knative']);
  const keda = asObject(src['keda']);
  const workloadType = serving['workloadType'];
  if (!keda) {
    if (workloadType !== undefined && workloadType !== 'Deployment') {
      lost(at('workloadType'), `workloadType ${JSON.stringify(workloadType)} without scaleOptions.keda.scaledObject`);
    }
    return scale;
  }
  const converted: JsonObject = {};
  const object = asObject(keda['scaledObject']);
  if (object) {
    // The webhook copies workloadType as is; converting back turns "" into Deployment, so say so here.
    const scaledObject: JsonObject = { workloadType: workloadType ?? 'Deployment' };
    copy(object, scaledObject, ['pollingInterval', 'cooldownPeriod']);
    if (src['minReplicas'] !== undefined) scaledObject['minReplicaCount'] = src['minReplicas'];
    if (src['maxReplicas'] !== undefined) scaledObject['maxReplicaCount'] = src['maxReplicas'];
    copy(object, scaledObject, ['advanced']);
    if (object['fallback'] !== undefined) lost(at('scaleOptions', 'keda', 'scaledObject', 'fallback'), 'fallback');
    converted['scaledObject'] = scaledObject;
  } else if (workloadType !== undefined && workloadType !== 'Deployment' && !keda['scaledJob']) {
    lost(at('workloadType'), `workloadType ${JSON.stringify(workloadType)} without scaleOptions.keda.scaledObject`);
  }
  const job = asObject(keda['scaledJob']);
  if (job) {
    const scaledJob: JsonObject = {};
    copy(job, scaledJob, ['restartPolicy', 'pollingInterval', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']);
    if (src['maxReplicas'] !== undefined) scaledJob['maxReplicaCount'] = src['maxReplicas'];
    copy(job, scaledJob, ['scalingStrategy']);
    converted['scaledJob'] = scaledJob;
  }
  if (keda['httpScaledObject'] !== undefined) lost(at('scaleOptions', 'keda', 'httpScaledObject'), 'httpScaledObject (KEDA http scaling)');
  const triggers = keda['triggers'];
  if (Array.isArray(triggers)) out['triggers'] = structuredClone(triggers);
  scale['keda'] = converted;
  return scale;
}

function convertBuild(src: JsonObject, lost: Lost, subject: string, notes: Notes): JsonObject {
  const at = (...rest: FieldPath): FieldPath => ['spec', 'build', ...rest];
  const out: JsonObject = {};
  copy(src, out, [
    'builder',
    'builderCredentials',
    'env',
    'dockerfile',
    'builderMaxAge',
    'failedBuildsHistoryLimit',
    'successfulBuildsHistoryLimit',
  ]);
  const repo = asObject(src['srcRepo']);
  if (repo) {
    const srcRepo: JsonObject = {};
    copy(repo, srcRepo, ['url', 'sourceSubPath', 'revision', 'credentials']);
    // The webhook puts credentials.name here (and crashes without credentials); the bundle image is what is meant.
    if (repo['bundleContainer'] !== undefined) srcRepo['bundleContainer'] = repo['bundleContainer'];
    out['srcRepo'] = srcRepo;
  }
  const shipwright = asObject(src['shipwright']);
  if (shipwright) {
    const converted: JsonObject = {};
    const strategy = asObject(shipwright['strategy']);
    if (strategy) converted['strategy'] = dropEmpty({ name: strategy['name'], kind: strategy['kind'] });
    copy(shipwright, converted, ['timeout']);
    out['shipwright'] = dropEmpty(converted);
    const params = shipwright['params'];
    if (Array.isArray(params)) {
      const single: JsonObject = {};
      params.forEach((item, i) => {
        const param = asObject(item) ?? {};
        if (typeof param['value'] === 'string') {
          single[String(param['name'])] = param['value'];
        } else {
          notes.add(subject, at('shipwright', 'params', i), `parameter ${JSON.stringify(param['name'])} has no single value: v1beta1 build.params cannot express it, so the cluster drops it`);
        }
      });
      out['params'] = single;
    }
  }
  if (src['timeout'] !== undefined) lost(at('timeout'), 'the build timeout');
  return out;
}

/** TracingConfig with its members in Go struct order (what yaml.v3 writes); maps sorted. */
function tracingInGoOrder(tracing: JsonObject): JsonObject {
  const provider = asObject(tracing['provider']);
  const exporter = asObject(provider?.['exporter']);
  return dropEmpty({
    enabled: tracing['enabled'] ?? false,
    provider: provider
      ? dropEmpty({
          name: provider['name'],
          oapServer: provider['oapServer'],
          exporter: exporter
            ? dropEmpty({
                name: exporter['name'],
                endpoint: exporter['endpoint'],
                headers: exporter['headers'],
                compression: exporter['compression'],
                timeout: exporter['timeout'],
                protocol: exporter['protocol'],
              })
            : undefined,
        })
      : undefined,
    tags: sortedMap(tracing['tags']),
    baggage: sortedMap(tracing['baggage']),
  });
}

/** YAML text as Go's yaml.v3 writes a struct: 4-space indent, members in the order given. */
function yamlV3Text(value: JsonObject): string {
  if (Object.keys(value).length === 0) return '{}\n';
  return new Document(value, { version: '1.1' }).toString({ indent: 4, indentSeq: true, lineWidth: 0 });
}

function sortedMap(value: unknown): JsonObject | undefined {
  const map = asObject(value);
  if (!map || Object.keys(map).length === 0) return undefined;
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function copy(from: JsonObject, to: JsonObject, keys: string[]): void {
  for (const key of keys) if (from[key] !== undefined) to[key] = structuredClone(from[key]);
}

function dropEmpty(value: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  );
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
