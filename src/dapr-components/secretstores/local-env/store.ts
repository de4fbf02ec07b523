/**
 * secretstores.local.env: each environment variable of the sidecar is a secret of the
 * same name holding one key of that name. `prefix` limits it to variables starting with
 * the prefix (removed from the names). Variables starting with `DAPR_`, and
 * `APP_API_TOKEN`, are never returned. An unknown name gives an empty value.
 */
import type { Metadata, SecretStore } from '../../component.js';

function hidden(name: string): boolean {
  return name.startsWith('DAPR_') || name === 'APP_API_TOKEN';
}

export class LocalEnvSecretStore implements SecretStore {
  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly prefix: string,
  ) {}

  async init(): Promise<void> {}
  async close(): Promise<void> {}

  async get(name: string): Promise<Metadata> {
    const variable = `${this.prefix}${name}`;
    const value = hidden(variable) ? undefined : this.env[variable];
    return { [name]: value ?? '' };
  }

  async bulkGet(): Promise<Record<string, Metadata>> {
    const out: Record<string, Metadata> = {};
    for (const [variable, value] of Object.entries(this.env)) {
      if (value === undefined || hidden(variable) || !variable.startsWith(this.prefix)) continue;
      const name = variable.slice(this.prefix.length);
      if (name) out[name] = { [name]: value };
    }
    return out;
  }
}
