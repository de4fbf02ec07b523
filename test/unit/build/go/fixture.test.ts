import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { detectGoFunction, goFilesToRead } from '../../../../src/builders/go/detect.js';
import { generateGoMain } from '../../../../src/builders/go/generate-main.js';
import { selectBuilder } from '../../../../src/builders/select-builder.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/go-hello');

describe('fixtures/go-hello', () => {
  it('is a declarative Go function with two registrations, built by builder-go', () => {
    const manifest = parse(readFileSync(path.join(fixture, 'function.yaml'), 'utf8')) as {
      spec: { build: { builder: string; env: Record<string, string>; srcRepo: { url: string } } };
    };
    const dir = path.resolve(fixture, manifest.spec.build.srcRepo.url);
    const files = readdirSync(dir);
    expect(selectBuilder({ builder: manifest.spec.build.builder, dir, files }).language).toBe('go');
    const toRead = new Set(goFilesToRead(files));
    const info = detectGoFunction({ dir, files, read: (rel) => (toRead.has(rel) ? readFileSync(path.join(dir, rel), 'utf8') : undefined) });
    expect(info).toMatchObject({ module: 'example.com/gohello', declarative: true, frameworkVersion: 'v0.5.0' });
    const source = readFileSync(path.join(dir, 'hello.go'), 'utf8');
    expect(source).toContain('functions.HTTP("Hello"');
    expect(source).toContain('functions.WithFunctionPath("/greet/{name}")');
    const main = generateGoMain({ ...info, funcName: manifest.spec.build.env.FUNC_NAME, userFrameworkVersion: info.frameworkVersion });
    expect(main.template).toBe('declarative');
    expect(main.files['main.go']).toContain('_ "example.com/gohello"');
    expect(files).toContain('go.sum');
  });
});
