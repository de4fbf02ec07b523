import { describe, expect, it } from 'vitest';
import { routeRequest } from '../../../src/gateway/router.js';

const opts = { domain: 'ofn.localhost', clusterDomain: 'cluster.local', has: (ns: string, n: string) => `${ns}/${n}` === 'default/hello' || `${ns}/${n}` === 'team/api' };

describe('routeRequest', () => {
  it.each([
    ['localhost:8480', '/default/hello', { namespace: 'default', name: 'hello', by: 'path' }],
    ['localhost:8480', '/default/hello/a/b?c=1', { namespace: 'default', name: 'hello', by: 'path' }],
    ['localhost', '/team/api?x', { namespace: 'team', name: 'api', by: 'path' }],
    ['hello.default.ofn.localhost:8480', '/', { namespace: 'default', name: 'hello', by: 'host' }],
    ['API.team.ofn.localhost', '/x/y', { namespace: 'team', name: 'api', by: 'host' }],
    ['hello.default.svc.cluster.local', '/', { namespace: 'default', name: 'hello', by: 'host' }],
  ])('%s %s', (host, url, want) => {
    expect(routeRequest(host, url, opts)).toEqual(want);
  });

  it.each([
    ['localhost', '/default/other'],
    ['localhost', '/default'],
    ['localhost', '/'],
    ['other.default.ofn.localhost', '/'],
    ['a.b.default.ofn.localhost', '/'],
    ['localhost', '/default/'],
    ['localhost', '//default/hello'],
    ['localhost', 'http://localhost/default/hello'],
    [undefined, '*'],
  ] as [string | undefined, string][])('no route for %s %s', (host, url) => {
    expect(routeRequest(host, url, opts)).toBeUndefined();
  });

  it('prefers the host route over a path that also matches', () => {
    expect(routeRequest('api.team.ofn.localhost', '/default/hello', opts)).toEqual({ namespace: 'team', name: 'api', by: 'host' });
  });
});
