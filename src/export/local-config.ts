/**
 * ofn-local's own project config (`ofn-local.yaml` at the project root): nothing in it goes to a
 * cluster, and the backing services it declares (brokers ofn-local runs beside the functions) are
 * what the cluster has to provide itself. Reading is tolerant: the services are taken from a
 * `services` (or `backingServices`) section written as a map `name: {...}` or a list `- name: ...`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { JsonObject } from '../model/index.js';
import type { Notes } from './notes.js';
import type { BackingService, LocalConfig } from './types.js';

export const LOCAL_CONFIG_FILES = ['ofn-local.yaml', 'ofn-local.yml'];
const SERVICE_SECTIONS = ['services', 'backingServices'];

/** The project's config, or undefined when there is none (or it cannot be read as YAML). */
export async function readLocalConfig(root: string): Promise<LocalConfig | undefined> {
  for (const name of LOCAL_CONFIG_FILES) {
    const file = path.join(root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let value: unknown;
    try {
      value = parse(text);
    } catch {
      value = undefined;
    }
    return { file, services: backingServices(value) };
  }
  return undefined;
}

/** The backing services a parsed config declares. */
export function backingServices(config: unknown): BackingService[] {
  const root = asObject(config);
  if (!root) return [];
  const services: BackingService[] = [];
  for (const section of SERVICE_SECTIONS) {
    const value = root[section];
    const entries: [string | undefined, unknown][] = Array.isArray(value)
      ? value.map((item) => [undefined, item])
      : Object.entries(asObject(value) ?? {});
    for (const [key, item] of entries) {
      const entry = asObject(item) ?? {};
      const name = typeof entry['name'] === 'string' ? entry['name'] : key;
      if (!name) continue;
      const kindText = [entry['type'], entry['kind'], entry['image'], name].find((v): v is string => typeof v === 'string');
      const host = typeof entry['host'] === 'string' ? entry['host'] : typeof entry['hostname'] === 'string' ? entry['hostname'] : name;
      const ports = Array.isArray(entry['ports']) ? entry['ports'] : [];
      const port = entry['port'] ?? ports[0];
      const address =
        typeof entry['address'] === 'string'
          ? entry['address']
          : typeof port === 'number' || typeof port === 'string'
            ? `${host}:${String(port).split(':')[0]}`
            : undefined;
      services.push({ name, ...(kindText ? { kind: kindText } : {}), ...(address ? { address } : {}) });
    }
  }
  return services;
}

interface Advice {
  test: RegExp;
  what: string;
  install: string;
}

const ADVICE: Advice[] = [
  { test: /kafka|redpanda/i, what: 'Kafka', install: 'a Kafka broker (e.g. with the Strimzi operator)' },
  { test: /redis/i, what: 'Redis', install: 'Redis (e.g. the Bitnami Redis chart)' },
  { test: /mqtt|mosquitto|emqx/i, what: 'MQTT', install: 'an MQTT broker (e.g. EMQX)' },
  { test: /nats|stan/i, what: 'NATS', install: 'NATS (NATS Streaming for an OpenFunction EventBus)' },
];

/** One note for the config file, then one per backing service. */
export function localConfigNotes(config: LocalConfig, show: (absolute: string) => string, notes: Notes): void {
  const file = show(config.file);
  notes.addGeneral(`${file}: ofn-local's own project config; not exported (a cluster has no use for it)`);
  for (const service of config.services) {
    const advice = ADVICE.find((a) => a.test.test(service.kind ?? service.name));
    const what = advice ? `${advice.what} (${service.name})` : service.name;
    const where = service.address ? ` at ${service.address}` : '';
    const install = advice ? advice.install : `${service.kind ?? service.name}`;
    notes.addGeneral(
      `${file}: ${what}${where} is a backing service here: install ${install} in the cluster and point the components at its address`,
    );
  }
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
