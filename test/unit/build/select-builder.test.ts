import { describe, expect, it } from 'vitest';
import {
  BuilderSelectionError,
  classifyBuilderImage,
  imageRepository,
  languagesInFolder,
  selectBuilder,
} from '../../../src/builders/select-builder.js';

function failure(fn: () => unknown): BuilderSelectionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BuilderSelectionError) return err;
    throw err;
  }
  throw new Error('expected a BuilderSelectionError');
}

const goFiles = ['go.mod', 'go.sum', 'hello.go'];
const nodeFiles = ['package.json', 'index.js'];

describe('classifyBuilderImage', () => {
  it('reads the language from OpenFunction builder names on any registry, tag or digest', () => {
    expect(classifyBuilderImage('openfunction/builder-go:v2.4.0-1.17')).toEqual({ kind: 'language', language: 'go' });
    expect(classifyBuilderImage('openfunction/builder-go:latest')).toEqual({ kind: 'language', language: 'go' });
    expect(classifyBuilderImage('openfunction/builder-node:v2-16.13')).toEqual({ kind: 'language', language: 'node' });
    expect(classifyBuilderImage('openfunction/builder-java:v2-18')).toEqual({ kind: 'language', language: 'java' });
    expect(classifyBuilderImage('registry.example.com:5000/mirror/openfunction/builder-go@sha256:abc')).toEqual({ kind: 'language', language: 'go' });
    expect(classifyBuilderImage('docker.io/openfunction/builder-node')).toEqual({ kind: 'language', language: 'node' });
  });

  it('multi-language builders leave it to the folder; anything else is unknown', () => {
    expect(classifyBuilderImage('openfunction/gcp-builder:v1')).toEqual({ kind: 'multi' });
    expect(classifyBuilderImage('gcr.io/buildpacks/builder:v1')).toEqual({ kind: 'multi' });
    expect(classifyBuilderImage('paketobuildpacks/builder-jammy-base')).toEqual({ kind: 'multi' });
    expect(classifyBuilderImage('openfunction/buildah:v1.23.1')).toEqual({ kind: 'unknown' });
    expect(classifyBuilderImage('golang:1.17')).toEqual({ kind: 'unknown' });
    expect(classifyBuilderImage('myorg/my-builder:v1')).toEqual({ kind: 'unknown' });
  });

  it('imageRepository drops host, tag and digest', () => {
    expect(imageRepository('localhost:5000/a/b:tag')).toBe('a/b');
    expect(imageRepository('docker.io/library/golang:1.17')).toBe('golang');
    expect(imageRepository('OpenFunction/Builder-Go:latest')).toBe('openfunction/builder-go');
  });
});

describe('selectBuilder', () => {
  it('picks Go and Node from their builder images when the folder agrees', () => {
    expect(selectBuilder({ builder: 'openfunction/builder-go:v2.4.0-1.17', dir: '/p', files: goFiles })).toEqual({
      language: 'go',
      builder: 'openfunction/builder-go:v2.4.0-1.17',
      via: 'builder-image',
    });
    expect(selectBuilder({ builder: 'openfunction/builder-node:latest', dir: '/p', files: nodeFiles }).language).toBe('node');
  });

  it('a Go builder on a Node folder names the files expected and the right builder', () => {
    const err = failure(() => selectBuilder({ builder: 'openfunction/builder-go:latest', dir: '/p/fn', files: nodeFiles }));
    expect(err.code).toBe('ERR_NO_LANGUAGE_FILES');
    expect(err.message).toContain('no Go function in /p/fn');
    expect(err.message).toContain('go.mod and .go files');
    expect(err.message).toContain('openfunction/builder-node:latest');
    expect(err.message).not.toContain('\n');
  });

  it('a Node builder on a Go folder (the symptom of the issue) says what Node expects', () => {
    const err = failure(() => selectBuilder({ builder: 'openfunction/builder-node:latest', dir: '/p/fn', files: goFiles }));
    expect(err.message).toContain('package.json, index.js, index.mjs or function.js');
    expect(err.message).toContain('openfunction/builder-go:latest');
  });

  it('a language not built yet: one line with the image, the languages built, and what to do', () => {
    const err = failure(() => selectBuilder({ builder: 'openfunction/builder-java:v2-18', dir: '/p', files: ['pom.xml'] }));
    expect(err.code).toBe('ERR_UNSUPPORTED_LANGUAGE');
    expect(err.message).toContain('"openfunction/builder-java:v2-18"');
    expect(err.message).toContain('Java');
    expect(err.message).toContain('Node, Go and Python');
    expect(err.message).toContain('spec.image without spec.build');
    expect(err.message).not.toContain('\n');
    expect(err.where.path).toBe('spec.build.builder');
  });

  it('gcp-builder: Python folders are built, .NET ones not yet, a Go folder is', () => {
    expect(selectBuilder({ builder: 'openfunction/gcp-builder:v1', dir: '/p', files: ['main.py', 'requirements.txt'] })).toMatchObject({ language: 'python', via: 'source-folder' });
    expect(failure(() => selectBuilder({ builder: 'openfunction/gcp-builder:v1', dir: '/p', files: ['app.csproj', 'Program.cs'] })).message).toContain('.NET');
    expect(selectBuilder({ builder: 'openfunction/gcp-builder:v1', dir: '/p', files: goFiles })).toMatchObject({ language: 'go', via: 'source-folder' });
  });

  it('Python builder images by name; a Python builder on a Node folder names main.py and requirements.txt', () => {
    expect(classifyBuilderImage('openfunction/builder-python:v1')).toEqual({ kind: 'language', language: 'python' });
    expect(classifyBuilderImage('gcr.io/buildpacks/python:latest')).toEqual({ kind: 'language', language: 'python' });
    expect(classifyBuilderImage('openfunction/gcp-builder-python39:v1')).toEqual({ kind: 'language', language: 'python' });
    expect(selectBuilder({ builder: 'openfunction/builder-python:v1', dir: '/p', files: ['main.py'] })).toMatchObject({ language: 'python', via: 'builder-image' });
    const err = failure(() => selectBuilder({ builder: 'openfunction/builder-python:v1', dir: '/p/fn', files: nodeFiles }));
    expect(err.message).toContain('no Python function in /p/fn');
    expect(err.message).toContain('main.py (or another .py file) and requirements.txt');
  });

  it('a language left out of supported is refused', () => {
    expect(failure(() => selectBuilder({ builder: 'openfunction/gcp-builder:v1', dir: '/p', files: ['main.py'], supported: ['node', 'go'] })).code).toBe('ERR_UNSUPPORTED_LANGUAGE');
  });

  it('a multi-language builder on an empty folder lists what each built language expects', () => {
    const err = failure(() => selectBuilder({ builder: 'openfunction/gcp-builder:v1', dir: '/p', files: ['README.md'] }));
    expect(err.code).toBe('ERR_NO_LANGUAGE_FILES');
    expect(err.message).toContain('go.mod and .go files (Go)');
    expect(err.message).toContain('package.json, index.js, index.mjs or function.js (Node)');
  });

  it('an unknown builder image gets one line naming it, the languages built and the builders to use', () => {
    const err = failure(() => selectBuilder({ builder: 'openfunction/buildah:v1.23.1', dir: '/p', files: ['Dockerfile'] }));
    expect(err.code).toBe('ERR_UNKNOWN_BUILDER');
    expect(err.message).toContain('"openfunction/buildah:v1.23.1"');
    expect(err.message).toContain('Node, Go and Python');
    expect(err.message).toContain('openfunction/builder-go:latest');
    expect(err.message).not.toContain('\n');
  });
});

describe('languagesInFolder', () => {
  it('looks at top-level files only', () => {
    expect(languagesInFolder(['sub/go.mod', 'sub/index.js'])).toEqual([]);
    expect(languagesInFolder(['go.mod', 'package.json'])).toEqual(['go', 'node']);
  });
});
