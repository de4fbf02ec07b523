import { describe, expect, it } from 'vitest';
import {
  declaresTopLevel,
  detectGoFunction,
  goFilesToRead,
  goPluginFolders,
  type GoFolder,
} from '../../../../src/builders/go/detect.js';
import { GoBuildError } from '../../../../src/builders/go/errors.js';

function folder(contents: Record<string, string>, extra: string[] = []): GoFolder {
  return { dir: '/p/fn', files: [...Object.keys(contents), ...extra], read: (rel) => contents[rel] };
}

function failure(f: GoFolder): GoBuildError {
  try {
    detectGoFunction(f);
  } catch (err) {
    if (err instanceof GoBuildError) return err;
    throw err;
  }
  throw new Error('expected a GoBuildError');
}

const goMod = 'module example.com/hello\n\ngo 1.17\n\nrequire github.com/OpenFunction/functions-framework-go v0.5.0\n';
const declarative = `package hello

import (
\t"fmt"
\tofctx "github.com/OpenFunction/functions-framework-go/context"
\t"net/http"

\t"github.com/OpenFunction/functions-framework-go/functions"
)

func init() { functions.HTTP("HelloWorld", HelloWorld, functions.WithFunctionPath("/{greeting}")) }
`;

describe('detectGoFunction', () => {
  it('reads a declarative function (hello-world-go shape)', () => {
    const info = detectGoFunction(folder({ 'go.mod': goMod, 'hello.go': declarative, 'go.sum': '' }, ['README.md']));
    expect(info).toMatchObject({
      module: 'example.com/hello',
      goVersion: '1.17',
      packageName: 'hello',
      goFiles: ['hello.go'],
      declarative: true,
      frameworkVersion: 'v0.5.0',
      plugins: [],
    });
    expect(info.imports).toContain('github.com/OpenFunction/functions-framework-go/context');
  });

  it('a package that does not import the functions package is not declarative, and may not name the framework', () => {
    const info = detectGoFunction(
      folder({
        'go.mod': 'module example.com/logshandler\n\ngo 1.17\n\nrequire (\n\tgithub.com/prometheus/alertmanager v0.22.2\n)\n',
        'LogsHandler.go': 'package logshandler\n\nimport (\n\t"net/http"\n\talert "github.com/prometheus/alertmanager/template"\n)\n',
      }),
    );
    expect(info.declarative).toBe(false);
    expect(info.frameworkVersion).toBeUndefined();
    expect(info.packageName).toBe('logshandler');
  });

  it('only the functions package makes code declarative (not context or a look-alike)', () => {
    const src = 'package x\nimport ofctx "github.com/OpenFunction/functions-framework-go/context"\nimport _ "github.com/OpenFunction/functions-framework-go/functionsx"\n';
    expect(detectGoFunction(folder({ 'go.mod': goMod, 'x.go': src })).declarative).toBe(false);
  });

  it('lists non-empty plugins/plugin-* folders and the replaces Go will ignore', () => {
    const info = detectGoFunction(
      folder({ 'go.mod': `${goMod}replace example.com/lib => ../lib\n`, 'a.go': 'package a\n' }, [
        'plugins/plugin-custom/custom.go',
        'plugins/plugin-b/sub/b.go',
        'plugins/other/x.go',
        'plugins/plugin-file.go',
      ]),
    );
    expect(info.plugins).toEqual(['plugin-b', 'plugin-custom']);
    expect(info.ignoredReplaces).toEqual([{ path: 'example.com/lib', target: '../lib' }]);
  });

  it('a folder without Go files names the files expected and what it found', () => {
    const err = failure(folder({ 'package.json': '{}', 'index.js': '' }));
    expect(err.code).toBe('ERR_NOT_GO');
    expect(err.message).toContain('no Go function in /p/fn');
    expect(err.message).toContain('go.mod');
    expect(err.message).toContain('.go files');
    expect(err.message).toContain('found index.js, package.json');
    expect(err.where.file).toBe('/p/fn');
    expect(failure(folder({})).message).toContain('the folder is empty');
  });

  it('.go files without go.mod, go.mod without .go files at the top', () => {
    const noMod = failure(folder({ 'hello.go': 'package hello\n' }));
    expect(noMod.code).toBe('ERR_GO_NO_MODULE');
    expect(noMod.hint).toContain('go mod init');
    const noCode = failure(folder({ 'go.mod': goMod }, ['pkg/hello.go']));
    expect(noCode.code).toBe('ERR_NOT_GO');
    expect(noCode.message).toContain('no Go package at the top of /p/fn');
  });

  it('refuses a module line that is missing or has no dot in its first element', () => {
    expect(failure(folder({ 'go.mod': 'go 1.17\n', 'a.go': 'package a\n' })).code).toBe('ERR_GO_MODULE');
    const err = failure(folder({ 'go.mod': 'module hello\n', 'a.go': 'package a\n' }));
    expect(err.code).toBe('ERR_GO_MODULE');
    expect(err.message).toContain('"hello"');
    expect(err.message).toContain('example.com/hello');
  });

  it('refuses two packages at the top (an external _test package counts, as on a cluster) and package main', () => {
    const two = failure(folder({ 'go.mod': goMod, 'a.go': 'package hello\n', 'a_test.go': 'package hello_test\n' }));
    expect(two.code).toBe('ERR_GO_PACKAGE');
    expect(two.message).toContain('a.go is package hello, a_test.go is package hello_test');
    const main = failure(folder({ 'go.mod': goMod, 'main.go': 'package main\n\nfunc main() {}\n' }));
    expect(main.code).toBe('ERR_GO_PACKAGE');
    expect(main.message).toContain('package main');
  });

  it('reports a file whose header cannot be read with its line', () => {
    const err = failure(folder({ 'go.mod': goMod, 'a.go': '// hello\n\nfunc x() {}\n' }));
    expect(err.code).toBe('ERR_GO_PACKAGE');
    expect(err.message).toBe('/p/fn/a.go:3: expected "package <name>" as the first statement');
    expect(err.where).toEqual({ file: '/p/fn/a.go', line: 3 });
  });
});

describe('helpers', () => {
  it('goFilesToRead: go.mod and top-level .go files only', () => {
    expect(goFilesToRead(['z.go', 'go.mod', 'go.sum', 'sub/x.go', 'a.go', 'README.md'])).toEqual(['go.mod', 'a.go', 'z.go']);
  });

  it('goPluginFolders ignores files directly in plugins/ and other folders', () => {
    expect(goPluginFolders(['plugins/plugin-x/a.go', 'plugins/plugin-y', 'plugins/z/a.go', 'other/plugin-q/a.go'])).toEqual(['plugin-x']);
  });

  it('declaresTopLevel finds funcs and vars, not comments, strings or methods', () => {
    const src = `package p
// func Ghost(w http.ResponseWriter, r *http.Request)
var s = "func Phantom("
func (t T) Method() {}
func Real(w http.ResponseWriter, r *http.Request) {}
func Generic[T any](x T) {}
var Assigned = Real
var (
\tA, InBlock = 1, 2
)
`;
    expect(declaresTopLevel([src], 'Real')).toBe(true);
    expect(declaresTopLevel([src], 'Generic')).toBe(true);
    expect(declaresTopLevel([src], 'Assigned')).toBe(true);
    expect(declaresTopLevel([src], 'InBlock')).toBe(true);
    expect(declaresTopLevel([src], 'Ghost')).toBe(false);
    expect(declaresTopLevel([src], 'Phantom')).toBe(false);
    expect(declaresTopLevel([src], 'Method')).toBe(false);
    expect(declaresTopLevel([src], 'Rea')).toBe(false);
  });
});
