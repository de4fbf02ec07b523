import { describe, expect, it } from 'vitest';
import { compareGoVersions, isExportedGoIdentifier, parseGoHeader, parseGoMod } from '../../../../src/builders/go/go-source.js';

describe('parseGoMod', () => {
  it('reads module, go, toolchain, require blocks with indirect marks, and replaces', () => {
    const mod = parseGoMod(`// a comment
module "example.com/quoted" // trailing

go 1.21.0
toolchain go1.22.1

require example.com/one v1.0.0
require (
\texample.com/two v2.0.0 // indirect
\t"example.com/three" v0.3.0
)

replace example.com/one => ../one
replace (
\texample.com/two v2.0.0 => example.com/fork v2.0.1
)
exclude example.com/bad v0.0.1
`);
    expect(mod.module).toBe('example.com/quoted');
    expect(mod.go).toBe('1.21.0');
    expect(mod.toolchain).toBe('go1.22.1');
    expect(mod.requires).toEqual([
      { path: 'example.com/one', version: 'v1.0.0', indirect: false },
      { path: 'example.com/two', version: 'v2.0.0', indirect: true },
      { path: 'example.com/three', version: 'v0.3.0', indirect: false },
    ]);
    expect(mod.replaces).toEqual([
      { path: 'example.com/one', target: '../one' },
      { path: 'example.com/two', version: 'v2.0.0', target: 'example.com/fork', targetVersion: 'v2.0.1' },
    ]);
  });

  it('has no module when the line is missing', () => {
    expect(parseGoMod('go 1.17\n').module).toBeUndefined();
  });
});

describe('parseGoHeader', () => {
  it('reads the package and every import form, skipping comments and build constraints', () => {
    const h = parseGoHeader(`//go:build linux
/* block
   comment */
// Package doc
package hello; import "fmt"
import (
\tofctx "github.com/OpenFunction/functions-framework-go/context"
\t_ "embed"; . "strings"
\t\`raw/path\`
\t"esc\\u0061ped"
)
import alias "x/y"

func f() { import_ := 1 }
`);
    expect(h).toEqual({
      ok: true,
      packageName: 'hello',
      imports: [
        { path: 'fmt' },
        { path: 'github.com/OpenFunction/functions-framework-go/context', name: 'ofctx' },
        { path: 'embed', name: '_' },
        { path: 'strings', name: '.' },
        { path: 'raw/path' },
        { path: 'escaped' },
        { path: 'x/y', name: 'alias' },
      ],
    });
  });

  it('stops at the first declaration that is not an import', () => {
    const h = parseGoHeader('package p\n\nvar x = 1\n\nimport "late"\n');
    expect(h).toEqual({ ok: true, packageName: 'p', imports: [] });
  });

  it('reports a missing package clause or a broken import with a line', () => {
    expect(parseGoHeader('\n\nfunc main() {}')).toEqual({ ok: false, error: 'expected "package <name>" as the first statement', line: 3 });
    const bad = parseGoHeader('package p\nimport (\n\tfmt\n)\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.line).toBe(4);
  });
});

describe('small rules', () => {
  it('compares go versions', () => {
    expect(compareGoVersions('1.17', '1.17.0')).toBe(0);
    expect(compareGoVersions('1.21.5', '1.17')).toBeGreaterThan(0);
    expect(compareGoVersions('1.9', '1.17')).toBeLessThan(0);
    expect(compareGoVersions('1.22rc1', '1.22')).toBeLessThan(0);
  });

  it('exported identifiers', () => {
    expect(isExportedGoIdentifier('Hello')).toBe(true);
    expect(isExportedGoIdentifier('Élan')).toBe(true);
    expect(isExportedGoIdentifier('hello')).toBe(false);
    expect(isExportedGoIdentifier('_Hello')).toBe(false);
    expect(isExportedGoIdentifier('')).toBe(false);
  });
});
