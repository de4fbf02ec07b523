import {
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type ScalarTag,
  type Tags,
} from 'yaml';
import type { FieldPath } from './field-path.js';

/** One document of a multi-document YAML file, with a way back from a field path to its line. */
export interface YamlDocument {
  /** 0-based position of the document in its file. */
  index: number;
  /** The document as plain JS (`null` for an empty document); undefined when it has syntax errors. */
  value: unknown;
  /** Syntax errors (the document is unusable when there is one). */
  errors: { line?: number; message: string }[];
  /**
   * 1-based line of the field at `path`: the line of its key when it has one, else of the
   * deepest ancestor that exists (so a missing field points at its parent).
   */
  lineOf(path: FieldPath): number | undefined;
}

/**
 * Kubernetes tools read manifests with YAML 1.1 rules (`yes`/`no`/`on`/`off` are booleans, `0755` is
 * octal), so we do too; but, like them, timestamps and base-60 numbers stay strings, and a float
 * needs a digit (the yaml package's 1.1 schema would read `url: .` as NaN).
 */
function kubectlLikeTags(tags: Tags): Tags {
  return tags
    .filter((tag) =>
      typeof tag === 'string'
        ? !['timestamp', 'intTime', 'floatTime'].includes(tag)
        : tag.tag !== 'tag:yaml.org,2002:timestamp' && !('format' in tag && tag.format === 'TIME'),
    )
    .map((tag) => {
      if (typeof tag === 'string') return tag;
      // `e1` or `e5:` as a key is a string to Go's YAML, not the float NaN.
      const test = isPlainFloat(tag) ? FLOAT_WITH_A_DIGIT : isExpFloat(tag) ? EXP_WITH_A_DIGIT : undefined;
      return test ? ({ ...(tag as ScalarTag), test } satisfies ScalarTag) : tag;
    });
}

const FLOAT_WITH_A_DIGIT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
const EXP_WITH_A_DIGIT = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/;

function isExpFloat(tag: Exclude<Tags[number], string>): tag is ScalarTag {
  return tag.tag === 'tag:yaml.org,2002:float' && 'format' in tag && tag.format === 'EXP';
}

function isPlainFloat(tag: Exclude<Tags[number], string>): tag is ScalarTag {
  return (
    tag.tag === 'tag:yaml.org,2002:float' &&
    !('format' in tag && tag.format) &&
    'test' in tag &&
    tag.test instanceof RegExp &&
    tag.test.source.endsWith('\\.[0-9_]*$')
  );
}

export function parseYamlDocuments(text: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', customTags: kubectlLikeTags, lineCounter });
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  return Array.from(docs, (doc, index) => toYamlDocument(doc, index, lineAt));
}

function toYamlDocument(
  doc: Document.Parsed,
  index: number,
  lineAt: (offset: number | undefined) => number | undefined,
): YamlDocument {
  const errors = doc.errors.map((err) => ({
    line: err.linePos?.[0].line,
    // The pretty message repeats the position and quotes the source; keep its first sentence.
    message: (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, ''),
  }));
  let value: unknown;
  if (errors.length === 0) value = doc.toJS({ maxAliasCount: 1000 }) ?? null;

  const lineOf = (path: FieldPath): number | undefined => {
    let node: unknown = doc.contents;
    let line = lineAt(rangeStart(node));
    for (const segment of path) {
      node = resolveAlias(node, doc);
      if (typeof segment === 'number') {
        if (!isSeq(node)) return line;
        const item = node.items[segment];
        if (item === undefined) return line;
        node = item;
        line = lineAt(rangeStart(item)) ?? line;
      } else {
        if (!isMap(node)) return line;
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment,
        );
        if (!pair) return line;
        line = lineAt(rangeStart(pair.key)) ?? line;
        node = pair.value;
      }
    }
    return line;
  };

  return { index, value, errors, lineOf };
}

function resolveAlias(node: unknown, doc: Document.Parsed): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}
