/**
 * bindings.localstorage (output): files under `rootPath`. `create` writes the data
 * (a JSON string is unquoted first, then valid base64 is decoded, as upstream does) and
 * answers `{"fileName": "<path relative to rootPath>"}`; `get` returns the bytes; `list`
 * returns the absolute paths of the files below a directory; `delete` removes a file.
 * `fileName` is kept inside rootPath whatever `..` it contains.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Binding, BindingRequest, BindingResponse } from '../../component.js';

const DISALLOWED_ROOTS = ['/proc', '/sys', '/boot', '/var/run/secrets'];

/** Absolute root for `rootPath` (relative to `cwd`); throws for files and system folders. */
export async function resolveRootPath(rootPath: string, cwd: string): Promise<string> {
  const absolute = path.resolve(cwd, rootPath);
  for (const banned of DISALLOWED_ROOTS) {
    if (absolute === banned || absolute.startsWith(`${banned}/`)) {
      throw new Error('property rootPath points to a disallowed location');
    }
  }
  const info = await stat(absolute).catch(() => undefined);
  if (info && !info.isDirectory()) throw new Error('property rootPath represents a file and not a directory');
  return absolute;
}

/** `fileName` joined under `root`, never escaping it. */
export function secureJoin(root: string, fileName: string): { absolute: string; relative: string } {
  const inside = path.posix.normalize(`/${fileName.replace(/\\/g, '/')}`);
  const absolute = path.join(root, inside);
  return { absolute, relative: path.relative(root, absolute) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What upstream writes for `create`: unquote a JSON string, then decode standard base64 if it is that. */
export function decodeCreateData(data: Buffer): Buffer {
  let bytes = data;
  const text = data.toString('utf8');
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      bytes = Buffer.from(JSON.parse(text) as string, 'utf8');
    } catch {
      // not a valid quoted string: keep the bytes
    }
  }
  const candidate = bytes.toString('latin1').replace(/[\r\n]/g, '');
  if (BASE64.test(candidate)) return Buffer.from(candidate, 'base64');
  return bytes;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

export class LocalStorageBinding implements Binding {
  readonly operations = ['create', 'get', 'list', 'delete'] as const;
  private root = '';

  constructor(
    private readonly rootPath: string,
    private readonly cwd: string,
  ) {}

  async init(): Promise<void> {
    this.root = await resolveRootPath(this.rootPath, this.cwd);
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}

  async invoke(req: BindingRequest): Promise<BindingResponse | undefined> {
    let fileName = req.metadata.fileName ?? '';
    if (fileName === '' && req.operation === 'create') fileName = randomUUID();
    const { absolute, relative } = secureJoin(this.root, fileName);
    switch (req.operation) {
      case 'create': {
        await mkdir(path.dirname(absolute), { recursive: true });
        await writeFile(absolute, decodeCreateData(req.data));
        return { data: Buffer.from(JSON.stringify({ fileName: relative })) };
      }
      case 'get': {
        try {
          return { data: await readFile(absolute) };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`file not found: ${absolute}`);
          throw err;
        }
      }
      case 'list': {
        const info = await stat(absolute).catch(() => undefined);
        if (!info) throw new Error(`error getting stats for path ${absolute}`);
        if (!info.isDirectory()) throw new Error(`unable to list files as the file specified is not a directory: ${absolute}`);
        const files = await walk(absolute);
        return { data: Buffer.from(JSON.stringify(files.length ? files : null)) };
      }
      case 'delete': {
        await rm(absolute).catch((err: NodeJS.ErrnoException) => {
          throw new Error(`error deleting file ${absolute}: ${err.message}`);
        });
        return undefined;
      }
      default:
        throw new Error(`unsupported operation ${req.operation}`);
    }
  }
}
