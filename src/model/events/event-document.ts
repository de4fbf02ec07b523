import path from 'node:path';
import type { FieldPath } from '../field-path.js';
import type { JsonObject, Origin } from '../types.js';

/**
 * One manifest as loadProject keeps it (`project.others`), plus, when known, a way from a field
 * path to its line for messages.
 */
export interface EventDocument {
  apiVersion: string;
  kind: string;
  name: string;
  /** `default` when not written; `''` for cluster-scoped kinds. */
  namespace: string;
  origin: Origin;
  /** The document as written. */
  resource: JsonObject;
  lineOf?: (path: FieldPath) => number | undefined;
}

/** `events.yaml:12 [doc 1]`: where a field of another document is, for messages. */
export function placeOf(doc: EventDocument, at: FieldPath, cwd: string): string {
  const file = path.relative(cwd, doc.origin.file) || doc.origin.file;
  const line = doc.lineOf?.(at);
  return `${file}${line !== undefined ? `:${line}` : ''} [doc ${doc.origin.doc}]`;
}

/** `shop/orders`, or `orders` for cluster-scoped kinds. */
export function qualifiedName(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
