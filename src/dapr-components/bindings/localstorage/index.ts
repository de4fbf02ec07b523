import { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, metadataSchema } from '../../metadata.js';
import { LocalStorageBinding } from './binding.js';

export const localStorageMetadata = metadataSchema({
  ...bindingCommon,
  rootPath: z.string({ error: 'property rootPath must not be empty' }),
});
export type LocalStorageMetadata = z.output<typeof localStorageMetadata>;

export const LOCALSTORAGE_BINDING_PLUGIN: BindingPlugin<LocalStorageMetadata> = {
  block: 'bindings',
  input: false,
  output: true,
  metadata: localStorageMetadata,
  create: (md, ctx) => new LocalStorageBinding(md.rootPath, ctx.cwd),
};
