import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataOption } from '../../../src/cli/data-option.js';

describe('--data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-data-'));
    await writeFile(path.join(dir, 'order.json'), '{"id":1}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes inline JSON or text, and @file from the current folder', async () => {
    expect(await readDataOption('{"a":1}', dir)).toEqual({ body: Buffer.from('{"a":1}'), contentType: 'application/json' });
    expect(await readDataOption('hello', dir)).toEqual({ body: Buffer.from('hello'), contentType: 'text/plain' });
    expect(await readDataOption('@order.json', dir)).toEqual({ body: Buffer.from('{"id":1}'), contentType: 'application/json' });
  });

  it('names a file that cannot be read', async () => {
    await expect(readDataOption('@missing.json', dir)).rejects.toThrow(`--data @missing.json: cannot read ${path.join(dir, 'missing.json')}: ENOENT`);
  });
});
