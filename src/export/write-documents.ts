/** Writes exported manifests into a folder, one file per document. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXPORT_MARKER } from '../model/index.js';
import { ExportError } from './errors.js';
import type { ExportedDocument } from './types.js';

export interface WrittenDocuments {
  /** Absolute paths written, in document order. */
  written: string[];
  /** YAML files already in the folder that this export did not write (stale ones would be applied too). */
  others: string[];
}

export async function writeDocuments(dir: string, documents: ExportedDocument[]): Promise<WrittenDocuments> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, EXPORT_MARKER), 'Written by `ofn-local export`: ofn-local up does not load this folder as part of a project around it.\n');
    const written: string[] = [];
    for (const doc of documents) {
      const file = path.join(dir, doc.fileName);
      await writeFile(file, doc.yaml);
      written.push(file);
    }
    const names = new Set(documents.map((d) => d.fileName));
    const others = (await readdir(dir))
      .filter((name) => /\.ya?ml$/i.test(name) && !names.has(name))
      .sort()
      .map((name) => path.join(dir, name));
    return { written, others };
  } catch (err) {
    throw new ExportError('ERR_OUTPUT', `cannot write the manifests to ${dir}: ${(err as Error).message}`, { file: dir }, 'Choose a folder you can write to with -o.');
  }
}
