import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { waitFor } from '../helpers/http.js';
import { tempProject } from '../helpers/temp-project.js';

// Dapr's service invocation access control (a Configuration named by `dapr.io/config`), applied to
// calls between the project's app ids as the called app's sidecar applies it on a cluster.

const configuration = (policy: string) => `---
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata: { name: forwarder-acl }
spec:
  accessControl:
    defaultAction: deny
    trustDomain: public
    policies:
      - appId: ticker-default
        namespace: default
${policy}`;

const allowTicker = `        trustDomain: public
        defaultAction: deny
        operations:
          - { name: /allowed/*, httpVerb: [POST], action: allow }
          - { name: /open/**, httpVerb: ["*"], action: allow }
`;

async function project(policy: string) {
  const { dir, cleanup } = await tempProject('test/fixtures/projects/dapr');
  const manifest = path.join(dir, 'functions.yaml');
  let text = await readFile(manifest, 'utf8');
  // Dapr's annotations are the serving's (OpenFunction passes them to the pod).
  text = text.replace(/(name: forwarder[\s\S]*?serving:\n)/, '$1    annotations:\n      dapr.io/config: forwarder-acl\n');
  await writeFile(manifest, text + configuration(policy));
  return { dir, cleanup };
}

describe('service invocation access control (process runtime)', () => {
  let daemon: Daemon;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await project(allowTicker);
    cleanup = made.cleanup;
    daemon = await Daemon.start({ inputs: [made.dir], cwd: made.dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop' });
    expect(daemon.failures()).toEqual([]);
  });

  afterAll(async () => {
    await daemon?.stop();
    await cleanup?.();
  });

  /** Calls forwarder-default from `caller`'s sidecar, as the caller's code would through localhost:3500. */
  async function call(caller: string, method: string, operation: string) {
    const instance = daemon.pool('default', caller)!.instances[0]!.instance;
    const { host, port, controlToken } = instance.dapr!;
    await waitFor(() => fetch(`http://${host}:${port}/v1.0/healthz`).then((r) => r.ok, () => false), 30_000, `${caller}'s sidecar`);
    const res = await fetch(`http://${host}:${port}/v1.0/invoke/forwarder-default/method/${operation}`, {
      method,
      headers: { 'content-type': 'application/json', 'ofn-local-control-token': controlToken },
      ...(method === 'GET' ? {} : { body: '{"order":1}' }),
    });
    const text = await res.text();
    let body: { errorCode?: string; message?: string } | string = text;
    try {
      body = JSON.parse(text) as { errorCode?: string; message?: string };
    } catch {
      // the app's own answer (not JSON)
    }
    return { status: res.status, body };
  }

  it("lets the caller a policy allows call the operations and verbs it names, and denies the rest with daprd's error", async () => {
    expect(await call('ticker', 'POST', 'allowed/x')).toEqual({ status: 200, body: { forwarded: { order: 1 }, outputs: 1 } });
    // Any verb on /open/**: the call reaches the app (which has no PUT route), not a denial.
    const anyVerb = await call('ticker', 'PUT', 'open/a/b');
    expect(anyVerb.status).not.toBe(403);
    expect(anyVerb.body).not.toHaveProperty('errorCode');
    const wrongVerb = await call('ticker', 'GET', 'allowed/x');
    expect(wrongVerb.status).toBe(403);
    const other = await call('ticker', 'POST', 'other');
    expect(other).toEqual({
      status: 403,
      body: {
        errorCode: 'ERR_DIRECT_INVOKE',
        message: 'failed to invoke, id: forwarder-default, err: rpc error: code = PermissionDenied desc = access control policy has denied access to id: spiffe://public/ns/default/ticker-default operation: other verb: POST',
      },
    });
    // One segment for a trailing /*.
    expect((await call('ticker', 'POST', 'allowed/x/y')).status).toBe(403);
  });

  it('applies the global default to a caller no policy names', async () => {
    await daemon.pool('default', 'subscriber')!.ensureMin();
    expect((await call('subscriber', 'POST', 'allowed/x')).status).toBe(403);
  });
});

describe('a Configuration daprd would refuse', () => {
  it("fails the function that uses it, naming the file and the missing field, and serves the others", async () => {
    const { dir, cleanup } = await project('        defaultAction: allow\n');
    const daemon = await Daemon.start({ inputs: [dir], cwd: dir, port: 0, idleTimeoutMs: 600_000, readyTimeoutMs: 60_000, runtime: 'process', zeroMode: 'stop' });
    try {
      const failures = daemon.failures().join('\n');
      expect(failures).toContain('default/forwarder');
      expect(failures).toMatch(/Configuration forwarder-acl in .*functions\.yaml: policies\[0\]\.trustDomain is missing; daprd does not start with it/);
      expect(daemon.status().functions.find((f) => f.name === 'ticker')?.state).not.toBe('failed');
    } finally {
      await daemon.stop();
      await cleanup();
    }
  });
});
