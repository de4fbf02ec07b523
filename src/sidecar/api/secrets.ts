/**
 * Secrets, independent of the transport: an unknown store is 401 ERR_SECRET_STORE_NOT_FOUND (yes,
 * 401, as daprd's HTTP API), no store at all 500 ERR_SECRET_STORES_NOT_CONFIGURED, a store
 * failure 500 ERR_SECRET_GET. Used by the HTTP secrets router and the gRPC API.
 */
import type { Metadata, SecretStore } from '../../dapr-components/component.js';
import { apiError } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';

export function resolveSecretStore(ctx: ApiContext, name: string): { name: string; store: SecretStore } {
  if (!ctx.registry.has('secretstores')) throw apiError(500, 'ERR_SECRET_STORES_NOT_CONFIGURED', 'secret store is not configured');
  const found = ctx.registry.lookup<SecretStore>('secretstores', name);
  if (found.kind === 'missing') throw apiError(401, 'ERR_SECRET_STORE_NOT_FOUND', `failed finding secret store with key ${name}`);
  if (found.kind === 'unavailable') throw apiError(500, 'ERR_SECRET_GET', `secret store ${name} is not ready: ${found.reason}`);
  return { name, store: found.instance };
}

/** The key/value pairs of one secret. */
export async function getSecret(ctx: ApiContext, storeName: string, key: string, metadata: Metadata): Promise<Metadata> {
  const s = resolveSecretStore(ctx, storeName);
  try {
    return await s.store.get(key, metadata);
  } catch (err) {
    throw apiError(500, 'ERR_SECRET_GET', `failed getting secret with key ${key} from secret store ${s.name}: ${(err as Error).message}`);
  }
}

/** Every secret of the store: name → key/value pairs. */
export async function getBulkSecrets(ctx: ApiContext, storeName: string, metadata: Metadata): Promise<Record<string, Metadata>> {
  const s = resolveSecretStore(ctx, storeName);
  try {
    return await s.store.bulkGet(metadata);
  } catch (err) {
    throw apiError(500, 'ERR_SECRET_GET', `failed getting secrets from secret store ${s.name}: ${(err as Error).message}`);
  }
}
