import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ModelError } from './errors.js';
import { MANIFEST_FILE_MAX_BYTES, manifestTooLarge } from './limits.js';
import type { Diagnostic } from './types.js';
import { parseYamlDocuments } from './yaml-documents.js';

/** ofn-local's own project file, at the project root. Nothing in it goes to a cluster. */
export const PROJECT_CONFIG_FILES = ['ofn-local.yaml', 'ofn-local.yml'];

export const SERVICE_TYPES = ['redis', 'mqtt', 'nats', 'kafka'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** The port each broker listens on unless `port` says otherwise. */
export const DEFAULT_SERVICE_PORTS: Record<ServiceType, number> = { redis: 6379, mqtt: 1883, nats: 4222, kafka: 9092 };

export interface BackingServiceConfig {
  /** The host name the project's components use for it (`redis` in `redis:6379`). */
  name: string;
  type: ServiceType;
  port: number;
  /** Docker: run this image instead of the one ofn-local builds. */
  image?: string;
}

export interface ProjectConfig {
  file: string;
  services: BackingServiceConfig[];
  /** How functions are built: ofn-local's fast builders (default) or the CNB lifecycle (`buildpacks`). */
  build?: 'fast' | 'buildpacks';
}

const HOST_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const serviceSchema = z.strictObject({
  type: z.enum(SERVICE_TYPES, { error: `one of ${SERVICE_TYPES.join(', ')}` }),
  port: z.number().int().min(1).max(65535).optional(),
  image: z.string().min(1).optional(),
});
const configSchema = z.strictObject({
  services: z.record(z.string(), serviceSchema).optional(),
  build: z.enum(['fast', 'buildpacks'], { error: 'fast or buildpacks' }).optional(),
});

/**
 * Reads `ofn-local.yaml` in `root` (undefined when there is none), e.g.
 *
 *     services:
 *       redis: { type: redis }      # components reach it as redis:6379
 *       emqx: { type: mqtt }        # tcp://emqx:1883
 */
export async function loadProjectConfig(root: string): Promise<ProjectConfig | undefined> {
  for (const name of PROJECT_CONFIG_FILES) {
    const file = path.join(root, name);
    const size = await stat(file).then((st) => st.size, () => undefined);
    if (size === undefined) continue;
    if (size > MANIFEST_FILE_MAX_BYTES) {
      const problem: Diagnostic = { severity: 'error', file, doc: 0, path: '', message: manifestTooLarge(size) };
      throw new ModelError('ERR_MANIFEST', `${file}: ${problem.message}`, [problem]);
    }
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const [doc] = parseYamlDocuments(text);
    const problems: Diagnostic[] = [];
    const at = (p: (string | number)[], message: string, line?: number) =>
      problems.push({ severity: 'error', file, doc: 0, path: p.join('.'), message, line: line ?? doc?.lineOf(p) });
    if (!doc || doc.errors.length > 0) {
      at([], doc?.errors[0]?.message ?? 'empty file', doc?.errors[0]?.line);
      throw new ModelError('ERR_MANIFEST', problems.map((d) => `${file}:${d.line ?? 1}: ${d.message}`).join('\n'), problems);
    }
    const parsed = configSchema.safeParse(doc.value ?? {});
    const names = Object.keys((doc.value as { services?: object } | null)?.services ?? {});
    for (const n of names) {
      // The name is the host name components use, so it must be one.
      if (!HOST_NAME.test(n)) at(['services', n], 'expected a host name (lower-case letters, digits, "-" and "."), the one your components use');
    }
    if (!parsed.success || problems.length > 0) {
      for (const issue of parsed.success ? [] : parsed.error.issues) at(issue.path.map((x) => (typeof x === 'number' ? x : String(x))), issue.message);
      const lines = problems.map((d) => `${path.basename(file)}:${d.line ?? 1} ${d.path}: ${d.message}`);
      throw new ModelError('ERR_MANIFEST', lines.join('\n'), problems);
    }
    const services = Object.entries(parsed.data!.services ?? {}).map(([n, s]) => ({
      name: n,
      type: s.type,
      port: s.port ?? DEFAULT_SERVICE_PORTS[s.type],
      ...(s.image ? { image: s.image } : {}),
    }));
    return { file, services, ...(parsed.data!.build ? { build: parsed.data!.build } : {}) };
  }
  return undefined;
}
