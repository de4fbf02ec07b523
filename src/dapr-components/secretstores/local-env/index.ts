import { z } from 'zod';

import type { SecretStorePlugin } from '../../component.js';
import { metadataSchema } from '../../metadata.js';
import { LocalEnvSecretStore } from './store.js';

export const localEnvMetadata = metadataSchema({ prefix: z.string().optional() });
export type LocalEnvMetadata = z.output<typeof localEnvMetadata>;

export const LOCAL_ENV_SECRETSTORE_PLUGIN: SecretStorePlugin<LocalEnvMetadata> = {
  block: 'secretstores',
  metadata: localEnvMetadata,
  create: (md, ctx) => new LocalEnvSecretStore(ctx.env, md.prefix ?? ''),
};
