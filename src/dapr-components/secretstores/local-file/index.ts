import { z } from 'zod';

import type { SecretStorePlugin } from '../../component.js';
import { mdBool, metadataSchema } from '../../metadata.js';
import { LocalFileSecretStore, resolveSecretsFile } from './store.js';

export const localFileMetadata = metadataSchema({
  secretsFile: z.string({ error: 'missing local secrets file in metadata' }),
  nestedSeparator: z.string().optional(),
  multiValued: mdBool(false),
});
export type LocalFileMetadata = z.output<typeof localFileMetadata>;

export const LOCAL_FILE_SECRETSTORE_PLUGIN: SecretStorePlugin<LocalFileMetadata> = {
  block: 'secretstores',
  metadata: localFileMetadata,
  create: (md, ctx) => new LocalFileSecretStore(resolveSecretsFile(md.secretsFile, ctx.cwd), md.nestedSeparator ?? ':', md.multiValued),
};
