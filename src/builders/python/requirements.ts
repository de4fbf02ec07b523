/**
 * What a Python function's virtual environment installs, and with which pip settings: the user's
 * requirements.txt plus the framework its builder would add, keyed by content so an unchanged set
 * is never installed twice. Pure.
 */
import { createHash } from 'node:crypto';
import { requirementNames, type PythonFramework } from './detect.js';

/**
 * What each framework needs beside the user's requirements, added only for names the user did not
 * list: Google's framework as its Python buildpack adds it; OpenFunction's 0.2.0rc1 with the Dapr
 * SDK pinned to 1.11.0 (a newer dapr-ext-grpc breaks it at import: No module named
 * dapr.clients._constants).
 */
export const FRAMEWORK_REQUIREMENTS: Record<PythonFramework, readonly [name: string, spec: string][]> = {
  google: [['functions-framework', 'functions-framework==3.*']],
  openfunction: [
    ['ofn-functions-framework', 'ofn-functions-framework==0.2.0rc1'],
    ['dapr', 'dapr==1.11.0'],
    ['dapr-ext-grpc', 'dapr-ext-grpc==1.11.0'],
    ['dapr-ext-fastapi', 'dapr-ext-fastapi==1.11.0'],
  ],
};

/** Bumped when the way environments are made changes, so older ones are not reused. */
export const VENV_LAYOUT_VERSION = '1';

/** The requirements file the environment installs: the user's lines, then the framework's additions. */
export function composeRequirements(user: string | undefined, framework: PythonFramework): { text: string; added: string[] } {
  const listed = new Set(requirementNames(user ?? ''));
  const added = FRAMEWORK_REQUIREMENTS[framework].filter(([name]) => !listed.has(name)).map(([, spec]) => spec);
  const parts: string[] = [];
  if (user !== undefined && user.trim()) parts.push(user.replace(/\s*$/, ''));
  if (added.length) parts.push(`# added by ofn-local for the ${framework === 'google' ? 'Google' : 'OpenFunction'} functions framework`, ...added);
  return { text: `${parts.join('\n')}\n`, added };
}

/** Content key of an environment: the requirements and the interpreter (or base image) it is made for. */
export function venvKey(requirements: string, interpreter: string): string {
  return createHash('sha256').update(`venv-${VENV_LAYOUT_VERSION}\0${interpreter}\0${requirements}`).digest('hex');
}

/** Host variables pip reads (index, proxy, CA, timeouts): every PIP_* and the proxy and CA ones. */
export function pipEnv(host: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  const named = ['HOME', 'PATH', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'NETRC'];
  for (const [k, v] of Object.entries(host)) if (v !== undefined && (k.startsWith('PIP_') || named.includes(k))) env[k] = v;
  env.PIP_DISABLE_PIP_VERSION_CHECK = '1';
  return env;
}

/**
 * The pip settings a container build gets as build arguments: the index, trusted hosts, timeouts and
 * proxies. Host paths (PIP_FIND_LINKS, PIP_CERT, ...) mean nothing inside the container: the CA file
 * goes in as a file instead (see {@link hostCaFile}).
 */
export function pipBuildArgs(host: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const names = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_DEFAULT_TIMEOUT', 'PIP_RETRIES', 'PIP_PRE', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const args: Record<string, string> = {};
  for (const k of names) if (host[k]) args[k] = host[k]!;
  return args;
}

/** The host's CA file for pip, as pip and npm users set it: PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS. */
export function hostCaFile(host: Readonly<Record<string, string | undefined>>): string | undefined {
  return host.PIP_CERT || host.REQUESTS_CA_BUNDLE || host.SSL_CERT_FILE || host.NODE_EXTRA_CA_CERTS || undefined;
}

/** The most useful line of pip's output when an install fails ("ERROR: ..."), else its last line. */
export function pipFailure(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => l.startsWith('ERROR:')) ?? lines[lines.length - 1] ?? 'pip failed';
}
