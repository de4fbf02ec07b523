/**
 * A `route` (OpenFunction RouteImpl with Gateway API v1alpha2 rules) as the controller sees it
 * after the API server stored it: the CRD schema's defaults applied (a rule without `matches`
 * matches PathPrefix `/`, backend kind `Service`, weight 1, ...) and members in Go struct order,
 * ready for goJson. Used for FUNC_CONTEXT_V1BETA2, which carries a copy of the triggers.
 */
import type { Route } from './function-schema.js';

type Rule = NonNullable<Route['rules']>[number];
type Match = NonNullable<Rule['matches']>[number];
type Filter = NonNullable<Rule['filters']>[number];
type BackendRef = NonNullable<Rule['backendRefs']>[number];
type ObjectRef = { group?: string; kind?: string; name: string; namespace?: string; port?: number };

export function routeJson(route: Route): object {
  return {
    // Go: GatewayRef.Namespace has no omitempty, so a missing namespace is written as null.
    gatewayRef: route.gatewayRef
      ? { name: route.gatewayRef.name, namespace: route.gatewayRef.namespace ?? null }
      : undefined,
    hostnames: nonEmpty(route.hostnames),
    rules: nonEmpty(route.rules?.map(ruleJson)),
  };
}

function ruleJson(rule: Rule): object {
  const matches = rule.matches ?? [{ path: { type: 'PathPrefix', value: '/' } }];
  return {
    matches: nonEmpty(matches.map(matchJson)),
    filters: nonEmpty(rule.filters?.map(filterJson)),
    backendRefs: nonEmpty(rule.backendRefs?.map(backendRefJson)),
  };
}

function matchJson(match: Match): object {
  const path = match.path ?? {};
  return {
    path: { type: path.type ?? 'PathPrefix', value: path.value ?? '/' },
    headers: nonEmpty(match.headers?.map((h) => ({ type: h.type ?? 'Exact', name: h.name, value: h.value }))),
    queryParams: nonEmpty(match.queryParams?.map((q) => ({ type: q.type ?? 'Exact', name: q.name, value: q.value }))),
    method: match.method,
  };
}

function filterJson(filter: Filter): object {
  const headers = filter.requestHeaderModifier;
  const redirect = filter.requestRedirect;
  return {
    type: filter.type,
    requestHeaderModifier: headers && {
      set: nonEmpty(headers.set?.map((h) => ({ name: h.name, value: h.value }))),
      add: nonEmpty(headers.add?.map((h) => ({ name: h.name, value: h.value }))),
      remove: nonEmpty(headers.remove),
    },
    requestMirror: filter.requestMirror && { backendRef: objectRefJson(filter.requestMirror.backendRef) },
    requestRedirect: redirect && {
      scheme: redirect.scheme,
      hostname: redirect.hostname,
      port: redirect.port,
      statusCode: redirect.statusCode ?? 302,
    },
    extensionRef: filter.extensionRef && {
      group: filter.extensionRef.group,
      kind: filter.extensionRef.kind,
      name: filter.extensionRef.name,
    },
  };
}

function backendRefJson(ref: BackendRef): object {
  return {
    ...objectRefJson(ref),
    weight: ref.weight ?? 1,
    filters: nonEmpty(ref.filters?.map(filterJson)),
  };
}

function objectRefJson(ref: ObjectRef): object {
  return {
    group: ref.group ?? '',
    kind: ref.kind ?? 'Service',
    name: ref.name,
    namespace: ref.namespace,
    port: ref.port,
  };
}

/** Go's omitempty on slices: an empty list is left out. */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
