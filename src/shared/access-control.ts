/**
 * Dapr's service invocation access control list, as the called app's sidecar applies it (dapr/dapr
 * pkg/acl and its operation trie, read for the behaviour): the caller is found by app id and
 * namespace, its trust domain and namespace must match the policy, then the first operation that
 * matches decides (by HTTP verb when the called app speaks HTTP, `*` for any verb), else the
 * policy's default, else the list's. Operations are paths: `*` inside a segment matches any
 * characters, a last `/*` one more segment, `/**` any number. Shared by the daemon (which writes the
 * lists) and the sidecar (which applies them); pure.
 */

export interface AccessControlOperation {
  /** With a leading `/`; lower case when the called app speaks HTTP. */
  name: string;
  /** HTTP verbs or `*`; gRPC calls use `action`. */
  verbs: string[];
  action: 'allow' | 'deny';
}

export interface AccessControlPolicy {
  appId: string;
  namespace: string;
  trustDomain: string;
  /** Empty: the list's default applies to this app's unmatched operations. */
  defaultAction: '' | 'allow' | 'deny';
  operations: AccessControlOperation[];
}

export interface AccessControlList {
  defaultAction: 'allow' | 'deny';
  /** The called app's own trust domain (in its identity). */
  trustDomain: string;
  policies: AccessControlPolicy[];
}

/** Who calls: what Dapr reads from the caller's certificate (spiffe://<trustDomain>/ns/<namespace>/<appId>). */
export interface Caller {
  appId: string;
  namespace: string;
  trustDomain: string;
}

export function spiffeId(caller: Caller): string {
  return `spiffe://${caller.trustDomain}/ns/${caller.namespace}/${caller.appId}`;
}

/** One segment of an operation against one of a pattern (`*` matches any run of characters). */
function segmentMatches(segment: string, pattern: string): boolean {
  if (!pattern.includes('*')) return segment === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(segment);
}

export function operationMatches(operation: string, pattern: string): boolean {
  const ops = operation.split('/').slice(1);
  const pats = pattern.split('/').slice(1);
  for (let i = 0; i < pats.length; i++) {
    const p = pats[i]!;
    if (p === '**') return ops.length > i;
    if (i >= ops.length) return false;
    if (p === '*' && i === pats.length - 1) return ops.length === pats.length;
    if (!segmentMatches(ops[i]!, p)) return false;
  }
  return ops.length === pats.length;
}

/** Whether `caller` may call `operation` (the method, without query) with `verb` (HTTP apps) on the app that enforces `list`. */
export function accessAllowed(list: AccessControlList | undefined, caller: Caller, operation: string, verb: string | undefined, isHttp: boolean): boolean {
  if (!list) return true;
  let action: string = list.defaultAction;
  const policy = list.policies.find((p) => p.appId === caller.appId && p.namespace === caller.namespace);
  if (!policy || policy.trustDomain !== caller.trustDomain || policy.namespace !== caller.namespace) return action === 'allow';
  if (policy.defaultAction) action = policy.defaultAction;
  let op = operation.replace(/\/{2,}/g, '/');
  if (!op.startsWith('/')) op = `/${op}`;
  if (isHttp) op = op.toLowerCase();
  const match = policy.operations.find((o) => operationMatches(op, o.name));
  if (match) {
    if (!isHttp) action = match.action;
    else if (verb) {
      const v = verb.toUpperCase();
      if (match.verbs.includes(v)) action = match.action;
      else if (match.verbs.includes('*')) action = match.action;
    } else action = policy.defaultAction;
  }
  return action === 'allow';
}
