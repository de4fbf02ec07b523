import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../../src/model/yaml-documents.js';

describe('parseYamlDocuments', () => {
  it('splits a multi-document file and keeps each document index', () => {
    const docs = parseYamlDocuments('a: 1\n---\nb: 2\n---\n# only a comment\n');
    expect(docs.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(docs.map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }, null]);
  });

  it('gives the 1-based line of a field path, pointing at the key', () => {
    const text = [
      'apiVersion: v1', // 1
      'spec:', // 2
      '  serving:', // 3
      '    triggers:', // 4
      '      http:', // 5
      '        port: 80a', // 6
      '    outputs:', // 7
      '      - dapr:', // 8
      '          name: out', // 9
    ].join('\n');
    const [doc] = parseYamlDocuments(text);
    expect(doc?.lineOf(['spec', 'serving', 'triggers', 'http', 'port'])).toBe(6);
    expect(doc?.lineOf(['spec', 'serving', 'outputs', 0, 'dapr', 'name'])).toBe(9);
    expect(doc?.lineOf(['spec', 'serving', 'outputs', 0])).toBe(8);
  });

  it('falls back to the deepest existing ancestor for a missing field', () => {
    const [doc] = parseYamlDocuments('spec:\n  build:\n    builder: x\n');
    expect(doc?.lineOf(['spec', 'build', 'srcRepo', 'url'])).toBe(2);
  });

  it('counts lines from the start of the file for later documents', () => {
    const docs = parseYamlDocuments('a: 1\n---\nmetadata:\n  name: x\n');
    expect(docs[1]?.lineOf(['metadata', 'name'])).toBe(4);
  });

  it('reads values the way kubectl does (YAML 1.1 booleans and octal, timestamps stay strings)', () => {
    const [doc] = parseYamlDocuments('a: yes\nb: off\nc: 0755\nd: 2023-01-02\ne: "yes"\nf: 1:20\ng: .\nh: .5\n');
    expect(doc?.value).toEqual({ a: true, b: false, c: 493, d: '2023-01-02', e: 'yes', f: '1:20', g: '.', h: 0.5 });
  });

  it('reports syntax errors with their line and no value', () => {
    const [doc] = parseYamlDocuments('a: 1\nb: [1, 2\nc: 3\n');
    expect(doc?.value).toBeUndefined();
    expect(doc?.errors.length).toBeGreaterThan(0);
    expect(doc?.errors[0]?.line).toBeTypeOf('number');
  });

  it('reports duplicate keys as errors', () => {
    const [doc] = parseYamlDocuments('a: 1\na: 2\n');
    expect(doc?.errors[0]?.message).toMatch(/unique/);
    expect(doc?.errors[0]?.line).toBe(2);
  });
});

describe('exponent floats', () => {
  it('need a digit: e1 is a string key, 1e3 and .5e2 are numbers', () => {
    const [doc] = parseYamlDocuments('e1: x\nv: 1e3\nw: .5e2\n');
    expect(doc!.value).toEqual({ e1: 'x', v: 1000, w: 50 });
  });
});
