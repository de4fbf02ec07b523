import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPythonSyntax } from '../../../src/watch/python-syntax.js';
import { hasPython } from '../../helpers/python.js';

describe.skipIf(!hasPython)('checkPythonSyntax', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-local-pysyntax-'));
    await writeFile(path.join(dir, 'good.py'), 'def f(x):\n    return x\n');
    await writeFile(path.join(dir, 'bad.py'), 'def f(x):\n    return x +\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names the file and line of the first syntax error; good, missing and non-Python files pass', async () => {
    const bad = path.join(dir, 'bad.py');
    const problem = await checkPythonSyntax([path.join(dir, 'good.py'), bad]);
    expect(problem).toMatchObject({ file: bad, line: 2 });
    expect(problem?.message).toMatch(/bad\.py:2: SyntaxError: /);
    expect(await checkPythonSyntax([path.join(dir, 'good.py'), path.join(dir, 'gone.py'), path.join(dir, 'x.js')])).toBeUndefined();
  });

  it('checks nothing without an interpreter', async () => {
    expect(await checkPythonSyntax([path.join(dir, 'bad.py')], 'no-such-python3')).toBeUndefined();
  });
});
