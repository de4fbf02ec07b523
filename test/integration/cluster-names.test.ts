import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject } from '../../src/testing/index.js';
import { hasDocker } from '../helpers/engine.js';
import { tempProject } from '../helpers/temp-project.js';

const runtimes = (hasDocker ? ['process', 'docker'] : ['process']) as ('process' | 'docker')[];

describe.each(runtimes)('a function addressed by its in-cluster name reaches the local one (%s runtime)', (runtime) => {
  let project: OfnProject;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const p = await tempProject('test/fixtures/projects/cluster-names');
    cleanup = p.cleanup;
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
});
