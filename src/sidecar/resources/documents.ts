/**
 * Reads the YAML resource files daprd would read: every regular `*.yaml`/`*.yml` file
 * directly in each resources folder (not recursive), in name order, each possibly holding
 * several documents. Scalars stay text (YAML's failsafe schema), since Dapr turns every
 * metadata value into a string anyway (`qos: 1` is "1").
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

export interface RawDocument {
  file: string;
  /** 0-based index in the file. */
  doc: number;
  /** 1-based line where the document starts. */
  line: number;
  value: unknown;
}

export interface DocumentProblem {
  file: string;
  doc: number;
  line: number;
  message: string;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export async function readResourceDocuments(dirs: readonly string[]): Promise<{ documents: RawDocument[]; problems: DocumentProblem[] }> {
  const documents: RawDocument[] = [];
  const problems: DocumentProblem[] = [];
  for (const dir of dirs) {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new Error(`cannot read resources path ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const files = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/i.test(e.name))
      .map((e) => e.name)
      .sort();
    for (const name of files) {
      const file = path.join(dir, name);
      const text = await readFile(file, 'utf8');
      parseAllDocuments(text, { schema: 'failsafe' }).forEach((doc, i) => {
        const line = lineOf(text, doc.range[0]);
        if (doc.errors.length > 0) {
          problems.push({ file, doc: i, line, message: doc.errors[0]?.message ?? 'invalid YAML' });
          return;
        }
        const value = doc.toJS() as unknown;
        if (value === null || value === undefined || value === '') return;
        documents.push({ file, doc: i, line, value });
      });
    }
  }
  return { documents, problems };
}
