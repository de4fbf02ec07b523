/**
 * secretstores.local.file: secrets from a JSON file. Nested objects are flattened with
 * `nestedSeparator` (`:`) into names like `db:password`; with `multiValued` each top-level
 * key is a secret holding its (flattened) children instead.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Metadata, SecretStore } from '../../component.js';

function flatten(value: unknown, prefix: string, separator: string, out: Metadata): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}${separator}${k}` : k, separator, out);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, prefix ? `${prefix}${separator}${i}` : String(i), separator, out));
  } else {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
}

export class LocalFileSecretStore implements SecretStore {
  private secrets: Record<string, Metadata> = {};

  constructor(
    private readonly file: string,
    private readonly separator: string,
    private readonly multiValued: boolean,
  ) {}

  async init(): Promise<void> {
    const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>;
    this.secrets = {};
    if (this.multiValued) {
      for (const [name, value] of Object.entries(parsed)) {
        const flat: Metadata = {};
        if (value !== null && typeof value === 'object') flatten(value, '', this.separator, flat);
        else flat[name] = typeof value === 'string' ? value : JSON.stringify(value);
        this.secrets[name] = flat;
      }
    } else {
      const flat: Metadata = {};
      flatten(parsed, '', this.separator, flat);
      for (const [name, value] of Object.entries(flat)) this.secrets[name] = { [name]: value };
    }
  }

  async close(): Promise<void> {}

  async get(name: string): Promise<Metadata> {
    const secret = this.secrets[name];
    if (!secret) throw new Error(`secret ${name} not found`);
    return secret;
  }

  async bulkGet(): Promise<Record<string, Metadata>> {
    return this.secrets;
  }
}

export function resolveSecretsFile(file: string, cwd: string): string {
  return path.resolve(cwd, file);
}
