/**
 * The CRD schemas of a folder (OpenFunction's `config/crd/bases/*.yaml`), one per served version,
 * plus the Dapr Component schema; each compiled on first use. `check(object)` says what is wrong
 * with a manifest, or undefined when no schema is known for its apiVersion and kind.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Ajv, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from '../model/index.js';
import { prepareCrdSchema } from './crd-schema-transform.js';
import { DAPR_COMPONENT_API_VERSION, DAPR_COMPONENT_KIND, DAPR_COMPONENT_SCHEMA } from './dapr-component-schema.js';
import { ExportError } from './errors.js';
import { createSchemaAjv } from './schema-ajv.js';
import { toSchemaProblems, type SchemaProblem } from './schema-problems.js';

interface KnownSchema {
  apiVersion: string;
  kind: string;
  schema: JsonObject;
  /** Prepared from a CRD (DynamicValue places relaxed and so on) or written for ofn-local. */
  prepared: boolean;
}

export class CrdSchemas {
  private readonly ajv: Ajv = createSchemaAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(
    /** The folder the CRDs were read from. */
    readonly dir: string,
    private readonly known: Map<string, KnownSchema>,
  ) {}

  /** Reads every CRD in `dir`; throws ExportError ERR_CRDS when the folder holds none. */
  static async load(dir: string): Promise<CrdSchemas> {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
    } catch (err) {
      throw new ExportError('ERR_CRDS', `cannot read the CRD folder ${dir}: ${(err as Error).message}`, { file: dir });
    }
    const known = new Map<string, KnownSchema>();
    for (const name of names) {
      const file = path.join(dir, name);
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        for (const schema of crdVersionSchemas(doc.toJS() as unknown)) {
          known.set(keyOf(schema.apiVersion, schema.kind), schema);
        }
      }
    }
    if (known.size === 0) {
      throw new ExportError(
        'ERR_CRDS',
        `no CustomResourceDefinition with an openAPIV3Schema found in ${dir}`,
        { file: dir },
        "Point --crds (or OFN_LOCAL_CRDS) at a folder holding OpenFunction's config/crd/bases/*.yaml.",
      );
    }
    known.set(keyOf(DAPR_COMPONENT_API_VERSION, DAPR_COMPONENT_KIND), {
      apiVersion: DAPR_COMPONENT_API_VERSION,
      kind: DAPR_COMPONENT_KIND,
      schema: DAPR_COMPONENT_SCHEMA,
      prepared: true,
    });
    return new CrdSchemas(dir, known);
  }

  /** `apiVersion kind` of every schema known, sorted. */
  kinds(): string[] {
    return [...this.known.values()].map((k) => `${k.apiVersion} ${k.kind}`).sort();
  }

  has(apiVersion: string, kind: string): boolean {
    return this.known.has(keyOf(apiVersion, kind));
  }

  /** The schema ajv checks `apiVersion kind` against (prepared from the CRD). */
  schemaOf(apiVersion: string, kind: string): { schema: JsonObject; relaxedDynamicValues: number } | undefined {
    const known = this.known.get(keyOf(apiVersion, kind));
    if (!known) return undefined;
    return known.prepared ? { schema: known.schema, relaxedDynamicValues: 0 } : prepareCrdSchema(known.schema);
  }

  /** Problems of a manifest against its schema; undefined when its apiVersion/kind has none here. */
  check(manifest: unknown): SchemaProblem[] | undefined {
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) return undefined;
    const { apiVersion, kind } = manifest as Record<string, unknown>;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
    const validate = this.validator(apiVersion, kind);
    if (!validate) return undefined;
    const data = withoutNullFields(manifest);
    if (validate(data)) return [];
    const name = kind === DAPR_COMPONENT_KIND && apiVersion === DAPR_COMPONENT_API_VERSION ? 'schema' : 'CRD schema';
    return toSchemaProblems(validate.errors ?? [], data, `${apiVersion} ${kind} ${name}`);
  }

  private validator(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = keyOf(apiVersion, kind);
    let validate = this.compiled.get(key);
    if (!validate) {
      const prepared = this.schemaOf(apiVersion, kind);
      if (!prepared) return undefined;
      validate = this.ajv.compile(prepared.schema);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** The schema of every version of a CRD document (none when it is not a CRD). */
function crdVersionSchemas(doc: unknown): KnownSchema[] {
  const crd = asObject(doc);
  if (!crd || crd['kind'] !== 'CustomResourceDefinition') return [];
  const spec = asObject(crd['spec']);
  const group = spec?.['group'];
  const kind = asObject(spec?.['names'])?.['kind'];
  const versions = spec?.['versions'];
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return [];
  const out: KnownSchema[] = [];
  for (const v of versions) {
    const version = asObject(v);
    const name = version?.['name'];
    const schema = asObject(asObject(version?.['schema'])?.['openAPIV3Schema']);
    if (typeof name !== 'string' || !schema || version?.['served'] === false) continue;
    out.push({ apiVersion: `${group}/${name}`, kind, schema, prepared: false });
  }
  return out;
}

function keyOf(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** A deep copy without mapping entries whose value is null (Kubernetes treats them as absent). */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== null) out[key] = withoutNullFields(item);
    }
    return out;
  }
  return value;
}
