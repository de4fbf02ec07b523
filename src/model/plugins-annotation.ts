/**
 * The Function annotations `plugins` (`{order, pre, post}`) and `plugins.tracing` (a tracing
 * config), read the way the controller reads them: YAML decoded into a Go struct with yaml.v3, so
 * unknown keys are ignored, scalars become their source text, and a type mismatch rejects the
 * whole value.
 */
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

export const PLUGINS_ANNOTATION = 'plugins';
export const PLUGINS_TRACING_ANNOTATION = 'plugins.tracing';

export interface PluginsConfig {
  order?: string[];
  pre?: string[];
  post?: string[];
}

export interface TracingAnnotation {
  enabled: boolean;
  provider?: {
    name: string;
    oapServer?: string;
    exporter?: {
      name: string;
      endpoint: string;
      headers?: string;
      compression?: string;
      timeout?: string;
      protocol?: string;
    };
  };
  tags?: Record<string, string>;
  baggage?: Record<string, string>;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

class DecodeError extends Error {}

export function parsePluginsAnnotation(text: string): Decoded<PluginsConfig> {
  return decodeYaml(text, (root) => {
    const fields = structFields(root);
    const config: PluginsConfig = {};
    for (const key of ['order', 'pre', 'post'] as const) {
      const list = stringList(fields.get(key), key);
      if (list !== undefined) config[key] = list;
    }
    return config;
  });
}

export function parseTracingAnnotation(text: string): Decoded<TracingAnnotation> {
  return decodeYaml(text, (root) => {
    const fields = structFields(root);
    const config: TracingAnnotation = { enabled: boolValue(fields.get('enabled'), 'enabled') };
    const providerNode = fields.get('provider');
    if (!isNull(providerNode)) {
      const p = structFields(providerNode, 'provider');
      const provider: NonNullable<TracingAnnotation['provider']> = { name: stringValue(p.get('name'), 'provider.name') };
      const oapServer = stringValue(p.get('oapServer'), 'provider.oapServer');
      if (oapServer) provider.oapServer = oapServer;
      const exporterNode = p.get('exporter');
      if (!isNull(exporterNode)) {
        const e = structFields(exporterNode, 'provider.exporter');
        const text = (key: string) => stringValue(e.get(key), `provider.exporter.${key}`);
        provider.exporter = { name: text('name'), endpoint: text('endpoint') };
        for (const key of ['headers', 'compression', 'timeout', 'protocol'] as const) {
          const value = text(key);
          if (value) provider.exporter[key] = value;
        }
      }
      config.provider = provider;
    }
    const tags = stringMapValue(fields.get('tags'), 'tags');
    if (tags !== undefined) config.tags = tags;
    const baggage = stringMapValue(fields.get('baggage'), 'baggage');
    if (baggage !== undefined) config.baggage = baggage;
    return config;
  });
}

/** `order` gives pre = order and post = reversed order; explicit `pre`/`post` win. */
export function pluginLists(config: PluginsConfig): { pre?: string[]; post?: string[] } {
  const out: { pre?: string[]; post?: string[] } = {};
  if (config.order) {
    out.pre = [...config.order];
    out.post = [...config.order].reverse();
  }
  if (config.pre) out.pre = config.pre;
  if (config.post) out.post = config.post;
  return out;
}

function decodeYaml<T>(text: string, decode: (root: unknown) => T): Decoded<T> {
  const doc = parseDocument(text);
  const syntaxError = doc.errors[0];
  if (syntaxError) return { ok: false, error: (syntaxError.message.split('\n')[0] ?? '').trim() };
  try {
    return { ok: true, value: decode(doc.contents) };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, error: err.message };
    throw err;
  }
}

function isNull(node: unknown): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

/** The fields of a YAML mapping; an empty document decodes to an empty struct. */
function structFields(node: unknown, where = 'the value'): Map<string, YamlNode | null> {
  const fields = new Map<string, YamlNode | null>();
  if (isNull(node)) return fields;
  if (!isMap(node)) throw new DecodeError(`${where}: expected a mapping`);
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    fields.set(String(pair.key.value), (pair.value as YamlNode | null) ?? null);
  }
  return fields;
}

function stringValue(node: unknown, where: string): string {
  if (isNull(node)) return '';
  if (!isScalar(node)) throw new DecodeError(`${where}: expected a string`);
  return scalarText(node);
}

function scalarText(node: YamlNode): string {
  if (!isScalar(node)) return '';
  if (node.value === null) return '';
  return node.source ?? String(node.value);
}

function stringList(node: unknown, where: string): string[] | undefined {
  if (isNull(node)) return undefined;
  if (!isSeq(node)) throw new DecodeError(`${where}: expected a list of plugin names`);
  return node.items.map((item, i) => {
    if (!isNull(item) && !isScalar(item)) throw new DecodeError(`${where}[${i}]: expected a string`);
    return isNull(item) ? '' : scalarText(item as YamlNode);
  });
}

function stringMapValue(node: unknown, where: string): Record<string, string> | undefined {
  if (isNull(node)) return undefined;
  if (!isMap(node)) throw new DecodeError(`${where}: expected a mapping of strings`);
  const out: Record<string, string> = {};
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    out[String(pair.key.value)] = stringValue(pair.value, `${where}.${String(pair.key.value)}`);
  }
  return out;
}

// yaml.v3 accepts YAML 1.1 spellings when the target is a bool.
const TRUE_WORDS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const FALSE_WORDS = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

function boolValue(node: unknown, where: string): boolean {
  if (isNull(node)) return false;
  if (isScalar(node)) {
    if (typeof node.value === 'boolean') return node.value;
    if (typeof node.value === 'string' && TRUE_WORDS.has(node.value)) return true;
    if (typeof node.value === 'string' && FALSE_WORDS.has(node.value)) return false;
  }
  throw new DecodeError(`${where}: expected true or false`);
}
