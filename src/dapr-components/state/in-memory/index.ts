import type { StatePlugin } from '../../component.js';
import { metadataSchema } from '../../metadata.js';
import { InMemoryStateStore } from './store.js';

/** No metadata. */
export const inMemoryStateMetadata = metadataSchema({});

export const IN_MEMORY_STATE_PLUGIN: StatePlugin<unknown> = {
  block: 'state',
  metadata: inMemoryStateMetadata,
  create: () => new InMemoryStateStore(),
};
