import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.ofn-local']);
/**
 * `ofn-local export -o DIR` leaves this file in DIR: a project folder holding its own exported
 * manifests must not load them a second time (duplicate Functions). Named directly, DIR is read.
 */
export const EXPORT_MARKER = '.ofn-local-export';
/** ofn-local's own project file (backing services): read by loadProjectConfig, not a manifest. */
const PROJECT_CONFIG_NAMES = new Set(['ofn-local.yaml', 'ofn-local.yml']);

export interface ManifestFiles {
  /** Absolute paths, sorted, without duplicates. */
  files: string[];
  /** Inputs that could not be read, with the reason. */
  unreadable: { input: string; message: string }[];
}

/**
 * The manifest files named by `inputs`: a file is taken as given; a folder contributes every
 * `*.yaml`/`*.yml` below it, skipping node_modules, .git, .ofn-local, other dot-folders and
 * folders that hold an export's output.
 */
export async function findManifestFiles(inputs: string[], cwd: string): Promise<ManifestFiles> {
  const files = new Set<string>();
  const unreadable: ManifestFiles['unreadable'] = [];
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    try {
      const info = await stat(abs);
      if (info.isDirectory()) {
        for (const file of await yamlFilesBelow(abs)) files.add(file);
      } else {
        files.add(abs);
      }
    } catch (err) {
      unreadable.push({ input: abs, message: readErrorMessage(err, abs) });
    }
  }
  return { files: [...files].sort(), unreadable };
}

async function yamlFilesBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found; // An unreadable sub-folder is not the user's manifests.
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith('.')) continue;
      if (await isFileLink(path.join(full, EXPORT_MARKER))) continue;
      found.push(...(await yamlFilesBelow(full)));
    } else if (YAML_FILE.test(entry.name) && !PROJECT_CONFIG_NAMES.has(entry.name) && (entry.isFile() || (await isFileLink(full)))) {
      found.push(full);
    }
  }
  return found;
}

/** Symlinked files are read; symlinked folders are not followed (no cycles). */
async function isFileLink(full: string): Promise<boolean> {
  try {
    return (await stat(full)).isFile();
  } catch {
    return false;
  }
}

export function readErrorMessage(err: unknown, file: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file} does not exist`;
  if (code === 'EACCES') return `${file} cannot be read (permission denied)`;
  if (code === 'EISDIR') return `${file} is a folder`;
  return `${file} cannot be read: ${(err as Error).message}`;
}
