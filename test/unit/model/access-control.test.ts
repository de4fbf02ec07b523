import { describe, expect, it } from 'vitest';
import { accessControlFor } from '../../../src/model/access-control.js';
import type { LoadedFunction, Project } from '../../../src/model/types.js';

const fn = { name: 'orders', namespace: 'default', annotations: { 'dapr.io/config': 'acl' }, origin: { file: '/p/functions.yaml', doc: 0 } } as unknown as LoadedFunction;

function project(accessControl: unknown, name = 'acl'): Pick<Project, 'others'> {
  return {
    others: [{ apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', name, namespace: 'default', origin: { file: '/p/config.yaml', doc: 1 }, resource: { spec: { accessControl } } }],
  };
}

describe("a function's access control from its dapr.io/config", () => {
  it('is none without the annotation, without spec.accessControl, or with an empty one', () => {
    expect(accessControlFor({ ...fn, annotations: {} } as LoadedFunction, project({ defaultAction: 'deny' }), 'http')).toBeUndefined();
    expect(accessControlFor(fn, project(undefined), 'http')).toBeUndefined();
    expect(accessControlFor(fn, project({}), 'http')).toBeUndefined();
  });

  it('denies by default when policies are given without a default, allows with an empty policy list, and defaults the trust domain', () => {
    const policy = { appId: 'a', namespace: 'default', trustDomain: 'public', operations: [{ name: 'Op', httpVerb: ['POST'], action: 'Allow' }] };
    expect(accessControlFor(fn, project({ policies: [policy] }), 'http')).toEqual({
      defaultAction: 'deny',
      trustDomain: 'public',
      policies: [{ appId: 'a', namespace: 'default', trustDomain: 'public', defaultAction: '', operations: [{ name: '/op', verbs: ['POST'], action: 'allow' }] }],
    });
    expect(accessControlFor(fn, project({ trustDomain: 'corp', policies: [] }), 'http')).toMatchObject({ defaultAction: 'allow', trustDomain: 'corp' });
    // gRPC operations keep their case.
    expect(accessControlFor(fn, project({ policies: [policy] }), 'grpc')?.policies[0]?.operations[0]?.name).toBe('/Op');
  });

  it('names the file and field daprd would refuse, and a missing Configuration', () => {
    expect(() => accessControlFor(fn, project({ policies: [{ appId: 'a', trustDomain: 'public' }] }), 'http')).toThrow(
      'Configuration acl in /p/config.yaml: policies[0].namespace is missing; daprd does not start with it',
    );
    expect(() => accessControlFor(fn, project({ defaultAction: 'maybe' }), 'http')).toThrow(/spec\.accessControl\.defaultAction is "maybe": use allow or deny/);
    expect(() => accessControlFor(fn, project({}, 'other'), 'http')).toThrow(/names the Configuration "acl", and no dapr\.io Configuration of that name is in namespace default/);
  });
});
