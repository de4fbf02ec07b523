/**
 * One manifest as YAML text, the same bytes for the same object. Strings that a YAML 1.1 reader
 * (kubectl, and ofn-local's own loader) would take for another type (`yes`, `on`, `0755`,
 * `2024-01-01`) are quoted; long strings are never folded; multi-line strings are literal blocks.
 */
import { Document } from 'yaml';

export function renderYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  return doc.toString({
    lineWidth: 0,
    minContentWidth: 0,
    blockQuote: 'literal',
    indent: 2,
    indentSeq: false,
  });
}

/** Several manifests as one multi-document YAML stream. */
export function renderYamlStream(documents: { yaml: string }[]): string {
  return documents.map((d) => d.yaml).join('---\n');
}
