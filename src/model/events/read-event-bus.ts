/** One EventBus or ClusterEventBus document to a validated EventBus. */
import type { DocumentReporter } from '../diagnostics.js';
import { checkAgainstSchema } from '../schema-issues.js';
import { schemaName } from './constants.js';
import { eventBusSchema } from './event-bus-schema.js';
import type { EventDocument } from './event-document.js';
import type { EventBus } from './types.js';

export function readEventBus(
  doc: EventDocument,
  kind: EventBus['kind'],
  reporter: DocumentReporter,
): EventBus | undefined {
  const parsed = checkAgainstSchema(eventBusSchema(kind), doc.resource, reporter, { schemaName: schemaName(kind) });
  if (!parsed) return undefined;
  const spec = parsed.spec ?? {};
  return {
    kind,
    name: doc.name,
    namespace: kind === 'ClusterEventBus' ? '' : doc.namespace,
    origin: doc.origin,
    spec: {
      ...(spec.topic !== undefined ? { topic: spec.topic } : {}),
      ...(spec.natsStreaming ? { natsStreaming: spec.natsStreaming } : {}),
    },
  };
}
