/**
 * What an edit of the manifests means for the running project, as a pure decision: which functions
 * are new, which are gone, and which must be replaced (built and started again beside the old
 * version). A function is replaced when its resource or source changed, when what its sidecar
 * loads changed (its Dapr plan: own and standalone Components; the access control its
 * Configuration gives it), or when the backing services changed and it has a sidecar pointing at
 * them.
 */
import { accessControlFor } from '../model/access-control.js';
import { daprPlan } from '../model/dapr-plan.js';
import type { LoadedFunction, Project } from '../model/types.js';

export interface ReconcilePlan {
  added: string[];
  removed: string[];
  replaced: string[];
}

function keyOf(fn: LoadedFunction): string {
  return `${fn.namespace}/${fn.name}`;
}

/** Everything the function's sidecar is made from, as one comparable text. */
function sidecarInputs(fn: LoadedFunction, project: Project): string {
  const plan = daprPlan(fn, project);
  let access: unknown;
  try {
    access = plan ? accessControlFor(fn, project, plan.appProtocol) : undefined;
  } catch (err) {
    access = { error: (err as Error).message };
  }
  return JSON.stringify({ plan: plan ?? null, access: access ?? null });
}

export function reconcilePlan(previous: Project, next: Project, opts: { servicesChanged: boolean }): ReconcilePlan {
  const before = new Map(previous.functions.map((f) => [keyOf(f), f]));
  const after = new Map(next.functions.map((f) => [keyOf(f), f]));
  const plan: ReconcilePlan = { added: [], removed: [], replaced: [] };
  for (const [key, old] of before) {
    const now = after.get(key);
    if (!now) {
      plan.removed.push(key);
      continue;
    }
    if (
      JSON.stringify(old.resource) !== JSON.stringify(now.resource) ||
      JSON.stringify(old.source) !== JSON.stringify(now.source) ||
      sidecarInputs(old, previous) !== sidecarInputs(now, next) ||
      (opts.servicesChanged && daprPlan(now, next) !== undefined)
    ) {
      plan.replaced.push(key);
    }
  }
  for (const key of after.keys()) if (!before.has(key)) plan.added.push(key);
  return plan;
}
