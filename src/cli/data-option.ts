import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OfnError } from '../errors.js';

/**
 * A `--data` value: inline text, or `@file` read from the current folder. JSON gets
 * `application/json`, anything else `text/plain`.
 */
export async function readDataOption(data: string, cwd: string): Promise<{ body: Buffer; contentType: string }> {
  let body: Buffer;
  if (data.startsWith('@')) {
    const file = path.resolve(cwd, data.slice(1));
    body = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new OfnError('ERR_DATA_FILE', `--data ${data}: cannot read ${file}: ${err.code ?? err.message}`, { file }, 'give an existing file after @, or the data itself');
    });
  } else {
    body = Buffer.from(data);
  }
  return { body, contentType: isJson(body) ? 'application/json' : 'text/plain' };
}

function isJson(buf: Buffer): boolean {
  try {
    JSON.parse(buf.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
