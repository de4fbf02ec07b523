import { appendFile, cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker, hasGo } from '../helpers/engine.js';
import { REPO_ROOT, tempProject } from '../helpers/temp-project.js';

/** fixtures/go-hello's functions, as `go-hello` in the project (Greet answers /greet/{name}). */
const GO_FUNCTION = `
---
apiVersion: core.openfunction.io/v1beta2
kind: Function
metadata:
  name: go-hello
spec:
  version: "v1.0.0"
  image: "<your registry name>/go-hello:v1"
  build:
    builder: openfunction/builder-go:v2.4.0-1.17
    env: { FUNC_NAME: "Hello" }
    srcRepo: { url: "./go-src" }
  serving:
    triggers:
      http: { port: 8080 }
`;

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.each(runtimes)('a function addressed by its in-cluster name reaches the local one (%s runtime)', (runtime) => {
  let project: OfnProject;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/cluster-names');
    cleanup = p.cleanup;
    if (hasGo) {
      await cp(path.join(REPO_ROOT, 'fixtures', 'go-hello', 'src'), path.join(p.dir, 'go-src'), { recursive: true });
      await appendFile(path.join(p.dir, 'functions.yaml'), GO_FUNCTION);
    }
    project = await OfnProject.start(p.dir, { runtime });
  }, 300_000);
  afterAll(async () => {
    await project?.stop();
    await cleanup?.();
  });

  it('a bindings.http output to http://greeter.default.svc.cluster.local/... reaches greeter, path kept, waking it from zero', async () => {
    expect((await project.status()).functions.find((f) => f.name === 'greeter')?.replicas).toBe(0);
    const res = await project.invoke('caller', { name: 'ada' });
    expect(res.status).toBe(200);
    const answer = res.json<{ greeter: { status: string; value: { path: string; host: string; hello: string } } }>();
    expect(answer.greeter.status).toBe('fulfilled');
    expect(answer.greeter.value).toEqual({ path: '/greetings?lang=en', host: 'greeter.default.svc.cluster.local', hello: 'ada' });
    expect(project.journal('request.completed').some((e) => e.fn === 'default/greeter' && e.status === 200 && e.cold)).toBe(true);
  });

  it.skipIf(!hasGo)('a Go function is reached by its in-cluster name too (path parameter kept), waking it from zero', async () => {
    const res = await project.invoke('caller', { to: 'go-greeter' });
    expect(res.status).toBe(200);
    const answer = res.json<{ 'go-greeter': { status: string; value: unknown } }>();
    expect(answer['go-greeter']).toEqual({ status: 'fulfilled', value: { greeting: 'hello, ada', function: 'Greet' } });
    expect(project.journal('request.completed').some((e) => e.fn === 'default/go-hello' && e.status === 200 && e.cold)).toBe(true);
  });
});
