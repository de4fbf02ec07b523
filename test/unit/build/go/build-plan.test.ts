import { describe, expect, it } from 'vitest';
import { frameworkVersionFromEnv, goBuildArgs, goToolEnv, parseGoBuildErrors } from '../../../../src/builders/go/build-plan.js';

describe('goToolEnv', () => {
  const base = { modCache: '/c/mod', buildCache: '/c/build' };

  it('FUNC_GOPROXY wins over the user GOPROXY; the user settings pass through otherwise', () => {
    const env = goToolEnv({
      ...base,
      buildEnv: { FUNC_GOPROXY: 'https://goproxy.cn' },
      hostEnv: { GOPROXY: 'https://proxy.golang.org', GOPRIVATE: 'corp.example.com', GONOSUMDB: 'corp.example.com', NETRC: '/home/u/.netrc', SECRET_TOKEN: 'x' },
    });
    expect(env.GOPROXY).toBe('https://goproxy.cn');
    expect(env.GOPRIVATE).toBe('corp.example.com');
    expect(env.GONOSUMDB).toBe('corp.example.com');
    expect(env.NETRC).toBe('/home/u/.netrc');
    expect(env.SECRET_TOKEN).toBeUndefined();
    expect(goToolEnv({ ...base, buildEnv: {}, hostEnv: { GOPROXY: 'https://p' } }).GOPROXY).toBe('https://p');
  });

  it('static builds, shared caches, and the user GOFLAGS kept', () => {
    const env = goToolEnv({ ...base, buildEnv: {}, hostEnv: { GOFLAGS: '-buildvcs=true -tags=x' } });
    expect(env.CGO_ENABLED).toBe('0');
    expect(env.GOMODCACHE).toBe('/c/mod');
    expect(env.GOCACHE).toBe('/c/build');
    expect(env.GOFLAGS).toBe('-buildvcs=true -tags=x -modcacherw');
  });
});

describe('goBuildArgs', () => {
  it('passes FUNC_GOGCFLAGS and FUNC_GOLDFLAGS and builds the main package', () => {
    expect(goBuildArgs({ FUNC_GOGCFLAGS: '-N -l', FUNC_GOLDFLAGS: '-s -w' }, '/out/main')).toEqual([
      'build', '-mod=mod', '-gcflags', '-N -l', '-ldflags', '-s -w', '-o', '/out/main', '.',
    ]);
    expect(goBuildArgs({}, 'bin', { modMod: false })).toEqual(['build', '-o', 'bin', '.']);
  });

  it('FUNC_FRAMEWORK_VERSION', () => {
    expect(frameworkVersionFromEnv({ FUNC_FRAMEWORK_VERSION: ' v0.5.0 ' })).toBe('v0.5.0');
    expect(frameworkVersionFromEnv({ FUNC_FRAMEWORK_VERSION: '' })).toBeUndefined();
  });
});

describe('parseGoBuildErrors', () => {
  it('maps compiler paths back to the function folder and flags errors in the generated main', () => {
    const out = [
      '# example.com/hello',
      'serverless_function_source_code/hello.go:10:18: undefined: undefinedThing',
      '../src/greet.go:24:32: syntax error: unexpected newline in argument list; possibly missing comma or )',
      '# serverless_function_app',
      './main.go:24:42: undefined: userfunction.Nope',
      '/root/go/pkg/mod/example.com/dep@v1.0.0/dep.go:3: something',
    ].join('\n');
    expect(parseGoBuildErrors(out, { mainDir: '/b/main', sourceDir: '/b/main/serverless_function_source_code' })[0]).toEqual({
      file: 'hello.go', line: 10, column: 18, message: 'undefined: undefinedThing', inGeneratedMain: false,
    });
    const errs = parseGoBuildErrors(out, { mainDir: '/b/main', sourceDir: '/b/src' });
    expect(errs[1]).toMatchObject({ file: 'greet.go', line: 24, column: 32, inGeneratedMain: false });
    expect(errs[2]).toMatchObject({ file: './main.go', inGeneratedMain: true, message: 'undefined: userfunction.Nope' });
    expect(errs[3]).toMatchObject({ file: '/root/go/pkg/mod/example.com/dep@v1.0.0/dep.go', line: 3 });
    expect(errs[3]!.column).toBeUndefined();
  });
});
