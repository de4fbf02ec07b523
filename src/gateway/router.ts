/**
 * Which function a request is for. Pure: host and path in, function key and forwarded path out.
 *
 * Like OpenFunction's gateway, routing never rewrites the path: a path-based request for
 * `/<ns>/<name>/x` reaches the function as `/<ns>/<name>/x` (OpenFunction 1.2's HTTPRoute has only a
 * header filter, no URL rewrite). Hosts accepted:
 * - `<name>.<ns>.<domain>` with the local domain (`ofn.localhost` by default), the host-based route;
 * - `<name>.<ns>.svc.cluster.local`, the function's in-cluster address, so URLs written for the cluster work.
 */
export interface RouteMatch {
  namespace: string;
  name: string;
  /** `host` or `path`, for the access log. */
  by: 'host' | 'path';
}

export interface RouterOptions {
  domain: string;
  clusterDomain: string;
  /** Known functions as `<ns>/<name>`. */
  has: (namespace: string, name: string) => boolean;
}

export function routeRequest(hostHeader: string | undefined, url: string, opts: RouterOptions): RouteMatch | undefined {
  const byHost = hostHeader ? matchHost(hostHeader.replace(/:\d+$/, '').toLowerCase(), opts) : undefined;
  if (byHost) return byHost;
  // `/<ns>/<name>[/...][?...]`, read with indexOf: this runs on every request.
  const end = url.indexOf('?');
  const path = end < 0 ? url : url.slice(0, end);
  if (path[0] !== '/') return undefined;
  const slash = path.indexOf('/', 1);
  if (slash < 0) return undefined;
  const next = path.indexOf('/', slash + 1);
  const ns = path.slice(1, slash);
  const name = path.slice(slash + 1, next < 0 ? undefined : next);
  if (ns && name && opts.has(ns, name)) return { namespace: ns, name, by: 'path' };
  return undefined;
}

function matchHost(host: string, opts: RouterOptions): RouteMatch | undefined {
  for (const suffix of [`.${opts.domain}`, `.svc.${opts.clusterDomain}`]) {
    if (!host.endsWith(suffix)) continue;
    const parts = host.slice(0, -suffix.length).split('.');
    if (parts.length !== 2) continue;
    const [name, ns] = parts as [string, string];
    if (opts.has(ns, name)) return { namespace: ns, name, by: 'host' };
  }
  return undefined;
}

/** The URLs a function is served at locally. */
export function functionUrls(gatewayPort: number, namespace: string, name: string, domain: string): { path: string; host: string } {
  return {
    path: `http://localhost:${gatewayPort}/${namespace}/${name}`,
    host: `http://${name}.${namespace}.${domain}:${gatewayPort}/`,
  };
}
