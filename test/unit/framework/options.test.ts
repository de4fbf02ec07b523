import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { OptionsError, parseFlags, parseOptions } from '../../../src/framework/options.js';

describe('parseOptions', () => {
  it('uses the defaults when nothing is set', () => {
    expect(parseOptions([], {})).toEqual({
      port: '8080',
      target: 'function',
      source: process.cwd(),
      signatureType: 'http',
      context: undefined,
      printHelp: false,
    });
  });

  it('prefers flags over environment over defaults', () => {
    const env = {
      PORT: '9000',
      FUNCTION_TARGET: 'fromEnv',
      FUNC_NAME: 'fromBuild',
      FUNCTION_SIGNATURE_TYPE: 'cloudevent',
      FUNC_TYPE: 'event',
      FUNCTION_SOURCE: '/from/env',
    };
    expect(parseOptions([], env)).toMatchObject({
      port: '9000',
      target: 'fromEnv',
      signatureType: 'cloudevent',
      source: '/from/env',
    });
    expect(
      parseOptions(['--port=7000', '--target', 'fromFlag', '--signature-type=openfunction', '--source', 'rel'], env),
    ).toMatchObject({ port: '7000', target: 'fromFlag', signatureType: 'openfunction', source: resolve('rel') });
  });

  it('falls back to FUNC_NAME and FUNC_TYPE, and treats empty values as unset', () => {
    expect(parseOptions([], { FUNCTION_TARGET: '', FUNC_NAME: 'helloWorld', FUNC_TYPE: 'event' })).toMatchObject({
      target: 'helloWorld',
      signatureType: 'event',
    });
  });

  it('rejects an unknown signature type', () => {
    expect(() => parseOptions(['--signature-type=grpc'], {})).toThrow(OptionsError);
  });

  it('parses FUNC_CONTEXT, flag first, and reports JSON it cannot use', () => {
    expect(parseOptions([], { FUNC_CONTEXT: '{"name":"f","runtime":"Knative"}' }).context).toEqual({
      name: 'f',
      runtime: 'Knative',
    });
    expect(parseOptions(['--context={"name":"flag"}'], { FUNC_CONTEXT: '{"name":"env"}' }).context).toEqual({
      name: 'flag',
    });
    const broken = parseOptions([], { FUNC_CONTEXT: '{oops' });
    expect(broken.context).toBeUndefined();
    expect(broken.contextError).toMatch(/not valid JSON/);
  });

  it('recognises --help', () => {
    expect(parseOptions(['--help'], {}).printHelp).toBe(true);
  });
});

describe('parseFlags', () => {
  it('does not take the next flag as a value', () => {
    expect(parseFlags(['--target', '--port', '1'])).toEqual(
      new Map([
        ['target', ''],
        ['port', '1'],
      ]),
    );
  });

  it('ignores unknown flags and positional arguments', () => {
    expect(parseFlags(['serve', '--verbose', '--port=1'])).toEqual(new Map([['port', '1']]));
  });
});
