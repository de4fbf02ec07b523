import { describe, expect, it } from 'vitest';
import { definesTarget, detectPython, requirementNames, type PythonFolder } from '../../../../src/builders/python/detect.js';
import { PythonBuildError } from '../../../../src/builders/python/errors.js';
import { composeRequirements, hostCaFile, pipBuildArgs, pipEnv, pipFailure, venvKey } from '../../../../src/builders/python/requirements.js';
import { renderPipEnvFile } from '../../../../src/builders/python/dockerfiles.js';

function folder(over: Partial<PythonFolder> = {}): PythonFolder {
  return { dir: '/p/fn', files: ['main.py', 'requirements.txt'], buildEnv: { GOOGLE_FUNCTION_TARGET: 'hello_world' }, runtime: 'knative', manifest: '/p/fn.yaml', ...over };
}

function failure(fn: () => unknown): PythonBuildError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PythonBuildError) return err;
    throw err;
  }
  throw new Error('expected a PythonBuildError');
}

describe('detectPython', () => {
  it('reads the target, source and signature type as the GCP Python buildpack does, OpenFunction names as fallbacks', () => {
    expect(detectPython(folder(), 'functions-framework==1.4.3\n')).toEqual({ framework: 'google', target: 'hello_world', source: 'main.py', signatureType: '', hasRequirements: true });
    expect(detectPython(folder({ files: ['fn/app.py'], buildEnv: { FUNC_NAME: 'handle', FUNC_SRC: './fn/app.py', FUNC_TYPE: 'CloudEvent' } }), undefined)).toEqual({
      framework: 'google',
      target: 'handle',
      source: 'fn/app.py',
      signatureType: 'cloudevent',
      hasRequirements: false,
    });
    // GOOGLE_* win over FUNC_*.
    expect(detectPython(folder({ buildEnv: { GOOGLE_FUNCTION_TARGET: 'a', FUNC_NAME: 'b' } }), undefined).target).toBe('a');
  });

  it('async functions, or requirements naming ofn-functions-framework, get OpenFunction\'s framework', () => {
    expect(detectPython(folder({ runtime: 'async' }), undefined).framework).toBe('openfunction');
    expect(detectPython(folder(), 'ofn_functions_framework==0.2.0rc1').framework).toBe('openfunction');
  });

  it('refuses what the builder would refuse, naming the file or field and what to do', () => {
    const noSource = failure(() => detectPython(folder({ files: ['app.py'] }), undefined));
    expect(noSource.code).toBe('ERR_NOT_PYTHON');
    expect(noSource.message).toContain('no main.py in /p/fn');
    expect(noSource.hint).toContain('GOOGLE_FUNCTION_SOURCE to the file that defines the function (e.g. app.py)');
    const noTarget = failure(() => detectPython(folder({ buildEnv: {} }), undefined));
    expect(noTarget.code).toBe('ERR_PYTHON_TARGET');
    expect(noTarget.where).toMatchObject({ file: '/p/fn.yaml', path: 'spec.build.env.GOOGLE_FUNCTION_TARGET' });
    expect(failure(() => detectPython(folder({ buildEnv: { GOOGLE_FUNCTION_TARGET: 'x', GOOGLE_FUNCTION_SIGNATURE_TYPE: 'grpc' } }), undefined)).where.path).toBe('spec.build.env.GOOGLE_FUNCTION_SIGNATURE_TYPE');
    expect(failure(() => detectPython(folder({ buildEnv: { GOOGLE_FUNCTION_TARGET: 'x', FUNC_SRC: '../main.py' } }), undefined)).where.path).toBe('spec.build.env.FUNC_SRC');
    expect(failure(() => detectPython(folder({ buildEnv: { GOOGLE_FUNCTION_TARGET: 'hello-world' } }), undefined)).code).toBe('ERR_PYTHON_TARGET');
  });
});

describe('definesTarget', () => {
  it('finds defs, async defs, assignments, imports and classes at the top level only', () => {
    expect(definesTarget('def hello_world(request):\n    return "hi"\n', 'hello_world')).toBe(true);
    expect(definesTarget('async def handler(ctx):\n    pass\n', 'handler')).toBe(true);
    expect(definesTarget('handler = make()\n', 'handler')).toBe(true);
    expect(definesTarget('from lib import handler\n', 'handler')).toBe(true);
    expect(definesTarget('class handler:\n    pass\n', 'handler')).toBe(true);
    expect(definesTarget('def hello_world(request):\n    pass\n', 'hello')).toBe(false);
    expect(definesTarget('class A:\n    def hello(self):\n        pass\n', 'hello')).toBe(false);
  });
});

describe('requirements', () => {
  it('lists normalized names, skipping comments, options and blank lines', () => {
    expect(requirementNames('# c\nFunctions_Framework==1.4.3\n-r other.txt\n\nmarkupsafe==2.0.1 # pin\ndapr.ext.grpc>=1\n')).toEqual(['functions-framework', 'markupsafe', 'dapr-ext-grpc']);
  });

  it('adds only the framework pieces the user did not list', () => {
    expect(composeRequirements('functions-framework==1.4.3\nmarkupsafe==2.0.1\n', 'google')).toEqual({ text: 'functions-framework==1.4.3\nmarkupsafe==2.0.1\n', added: [] });
    expect(composeRequirements(undefined, 'google').added).toEqual(['functions-framework==3.*']);
    const async = composeRequirements('dapr==1.11.0\n', 'openfunction');
    expect(async.added).toEqual(['ofn-functions-framework==0.2.0rc1', 'dapr-ext-grpc==1.11.0', 'dapr-ext-fastapi==1.11.0']);
    expect(async.text).toBe('dapr==1.11.0\n# added by ofn-local for the OpenFunction functions framework\nofn-functions-framework==0.2.0rc1\ndapr-ext-grpc==1.11.0\ndapr-ext-fastapi==1.11.0\n');
  });

  it('keys environments by requirements and interpreter', () => {
    expect(venvKey('a\n', 'py 3.11')).toBe(venvKey('a\n', 'py 3.11'));
    expect(venvKey('a\n', 'py 3.11')).not.toBe(venvKey('b\n', 'py 3.11'));
    expect(venvKey('a\n', 'py 3.11')).not.toBe(venvKey('a\n', 'py 3.12'));
  });

  it('honours pip\'s index, proxy and CA settings: all of them on the host, no host paths in a container', () => {
    const host = { PIP_INDEX_URL: 'https://idx/simple', PIP_FIND_LINKS: '/opt/wheels', HTTPS_PROXY: 'http://proxy:3128', PIP_CERT: '/etc/ca.pem', NODE_EXTRA_CA_CERTS: '/x.pem', UNRELATED: '1' };
    expect(pipEnv(host)).toMatchObject({ PIP_INDEX_URL: 'https://idx/simple', PIP_FIND_LINKS: '/opt/wheels', HTTPS_PROXY: 'http://proxy:3128', PIP_CERT: '/etc/ca.pem' });
    expect(pipEnv(host).UNRELATED).toBeUndefined();
    expect(pipBuildArgs(host)).toEqual({ PIP_INDEX_URL: 'https://idx/simple', HTTPS_PROXY: 'http://proxy:3128' });
    expect(hostCaFile(host)).toBe('/etc/ca.pem');
    expect(hostCaFile({ NODE_EXTRA_CA_CERTS: '/x.pem' })).toBe('/x.pem');
    expect(renderPipEnvFile({ PIP_INDEX_URL: "https://u:p'w@idx" })).toBe("export PIP_INDEX_URL='https://u:p'\\''w@idx'\n");
  });

  it('quotes pip\'s own error line when an install fails', () => {
    expect(pipFailure('Collecting nope==9\nERROR: Could not find a version that satisfies the requirement nope==9\nERROR: No matching distribution found for nope==9\n')).toBe('ERROR: Could not find a version that satisfies the requirement nope==9');
  });
});
